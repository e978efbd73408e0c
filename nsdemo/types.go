package nsdemo

import (
	"strings"

	"golang.org/x/sys/unix"
)

// Type is one kind of namespace.
type Type struct {
	Name      string // as in /proc/<pid>/ns/<name>
	Flag      uintptr
	Isolates  string
	Since     string // kernel version that introduced it
	CloneFlag string // the flag's name, for traces and lessons
	Option    string // the unshare(1) and nsenter(1) option
}

// Types lists the eight namespace kinds, in the order the kernel gained them.
var Types = []Type{
	{"mnt", unix.CLONE_NEWNS, "mount points", "2.4.19", "CLONE_NEWNS", "--mount"},
	{"uts", unix.CLONE_NEWUTS, "hostname and NIS domain name", "2.6.19", "CLONE_NEWUTS", "--uts"},
	{"ipc", unix.CLONE_NEWIPC, "System V IPC and POSIX message queues", "2.6.19", "CLONE_NEWIPC", "--ipc"},
	{"pid", unix.CLONE_NEWPID, "process IDs", "2.6.24", "CLONE_NEWPID", "--pid"},
	{"net", unix.CLONE_NEWNET, "network devices, addresses, routes, ports, firewall", "2.6.29", "CLONE_NEWNET", "--net"},
	{"user", unix.CLONE_NEWUSER, "user and group IDs, capabilities", "3.8", "CLONE_NEWUSER", "--user"},
	{"cgroup", unix.CLONE_NEWCGROUP, "the cgroup root a process sees", "4.6", "CLONE_NEWCGROUP", "--cgroup"},
	{"time", unix.CLONE_NEWTIME, "CLOCK_MONOTONIC and CLOCK_BOOTTIME offsets", "5.6", "CLONE_NEWTIME", "--time"},
}

// Lookup returns the namespace type called name.
func Lookup(name string) (Type, bool) {
	for _, t := range Types {
		if t.Name == name {
			return t, true
		}
	}
	return Type{}, false
}

// Names lists the type names, in the order of Types.
func Names() []string {
	n := make([]string, len(Types))
	for i, t := range Types {
		n[i] = t.Name
	}
	return n
}

// CloneFlagNames spells the namespace flags set in flags as C does,
// "CLONE_NEWNS|CLONE_NEWUTS", in the order of Types; other bits are left
// out. For traces and error messages.
func CloneFlagNames(flags uintptr) string {
	var names []string
	for _, t := range Types {
		if flags&t.Flag != 0 {
			names = append(names, t.CloneFlag)
		}
	}
	return strings.Join(names, "|")
}
