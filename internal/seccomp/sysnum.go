package seccomp

import "sort"

//go:generate go run gen_sysnum.go

// sysnum is one entry of a syscall table.
type sysnum struct {
	name string
	nr   uint32
}

// syscallNumber looks a system call up by name in this architecture's
// table (zsysnum_GOARCH.go).
func syscallNumber(name string) (uint32, bool) {
	i := sort.Search(len(syscalls), func(i int) bool { return syscalls[i].name >= name })
	if i < len(syscalls) && syscalls[i].name == name {
		return syscalls[i].nr, true
	}
	return 0, false
}
