package seccomp

// auditArch is AUDIT_ARCH_AARCH64, what seccomp_data.arch holds for a
// native call; arm64 has no x32-like ABI.
const (
	auditArch = 0xc00000b7
	x32Bit    = 0
)
