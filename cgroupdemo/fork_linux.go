package cgroupdemo

import (
	"syscall"
	"unsafe"
)

// allSignals is a full signal mask for the sleeping children.
var allSignals = [2]uint32{^uint32(0), ^uint32(0)}

// rawFork is fork(2) as a bare clone(SIGCHLD). The child runs only this
// function's child branch, which calls nothing but raw system calls (no
// Go runtime, no stack growth: nosplit): it closes every inherited file
// descriptor, blocks all signals and sleeps in ppoll(NULL, 0, NULL, NULL)
// until SIGKILL. This is what the pids controller counts: one task per
// successful fork, and EAGAIN from clone once pids.max is reached.
//
//go:nosplit
//go:norace
func rawFork() (pid int, errno syscall.Errno) {
	r, _, e := syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
	if e != 0 {
		return 0, e
	}
	if r != 0 {
		return int(r), 0
	}
	// In the child.
	syscall.RawSyscall(sysCloseRange, 0, ^uintptr(0), 0)
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 2 /* SIG_SETMASK */, uintptr(unsafe.Pointer(&allSignals)), 0, 8, 0, 0)
	for {
		syscall.RawSyscall6(syscall.SYS_PPOLL, 0, 0, 0, 0, 0, 0)
	}
}

// sysCloseRange is close_range(2)'s number, the same on every
// architecture (it was added after the tables were unified).
const sysCloseRange = 436
