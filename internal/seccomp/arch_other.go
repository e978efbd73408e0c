//go:build !amd64 && !arm64

package seccomp

// No syscall table for this architecture: Compile says so.
const (
	auditArch = 0
	x32Bit    = 0
)

var syscalls [0]sysnum
