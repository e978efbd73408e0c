package seccomp

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// kernelRelease is uname -r.
func kernelRelease() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Release[:])
}

// Install loads prog as the calling thread's seccomp filter
// (seccomp(SECCOMP_SET_MODE_FILTER)). The kernel accepts it from a thread
// with no_new_privs set or with CAP_SYS_ADMIN; the filter is inherited by
// every process the thread execs or forks and can never be removed.
// Call it on a locked OS thread, as near to execve as possible.
func Install(prog []Instruction) error {
	if len(prog) == 0 {
		return fmt.Errorf("seccomp: empty program")
	}
	fs := make([]unix.SockFilter, len(prog))
	for i, in := range prog {
		fs[i] = unix.SockFilter{Code: in.Code, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	fp := unix.SockFprog{Len: uint16(len(fs)), Filter: &fs[0]}
	if _, _, e := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(&fp))); e != 0 {
		if e == unix.EACCES {
			return fmt.Errorf("seccomp(SECCOMP_SET_MODE_FILTER, %d instructions): %w (needs no_new_privs or CAP_SYS_ADMIN)", len(fs), e)
		}
		return fmt.Errorf("seccomp(SECCOMP_SET_MODE_FILTER, %d instructions): %w", len(fs), e)
	}
	return nil
}
