package seccomp

import (
	"fmt"
	"runtime"
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

// Install loads a program laid out by Encode as the calling thread's
// seccomp filter (seccomp(SECCOMP_SET_MODE_FILTER)). The kernel accepts
// it from a thread with no_new_privs set or with CAP_SYS_ADMIN; the
// filter is inherited by every process the thread execs or forks and can
// never be removed. Call it on a locked OS thread, as near to execve as
// possible.
func Install(raw []byte) error {
	if len(raw) == 0 || len(raw)%8 != 0 {
		return fmt.Errorf("seccomp: a program of %d bytes is not a list of 8-byte instructions", len(raw))
	}
	n := len(raw) / 8
	fp := unix.SockFprog{Len: uint16(n), Filter: (*unix.SockFilter)(unsafe.Pointer(&raw[0]))}
	_, _, e := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(&fp)))
	runtime.KeepAlive(raw)
	if e != 0 {
		if e == unix.EACCES {
			return fmt.Errorf("seccomp(SECCOMP_SET_MODE_FILTER, %d instructions): %w (needs no_new_privs or CAP_SYS_ADMIN)", n, e)
		}
		return fmt.Errorf("seccomp(SECCOMP_SET_MODE_FILTER, %d instructions): %w", n, e)
	}
	return nil
}
