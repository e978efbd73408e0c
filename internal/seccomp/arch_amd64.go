package seccomp

// auditArch is AUDIT_ARCH_X86_64, what seccomp_data.arch holds for a
// native call; x32 calls share it and set bit 30 of the number.
const (
	auditArch = 0xc000003e
	x32Bit    = 0x40000000
)
