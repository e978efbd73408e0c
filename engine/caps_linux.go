package engine

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// capNames maps the kernel's capability numbers to their names, for the
// flags (--cap-add NET_ADMIN) and for showing the sets.
var capNames = map[string]uintptr{
	"CHOWN": unix.CAP_CHOWN, "DAC_OVERRIDE": unix.CAP_DAC_OVERRIDE, "DAC_READ_SEARCH": unix.CAP_DAC_READ_SEARCH,
	"FOWNER": unix.CAP_FOWNER, "FSETID": unix.CAP_FSETID, "KILL": unix.CAP_KILL, "SETGID": unix.CAP_SETGID,
	"SETUID": unix.CAP_SETUID, "SETPCAP": unix.CAP_SETPCAP, "LINUX_IMMUTABLE": unix.CAP_LINUX_IMMUTABLE,
	"NET_BIND_SERVICE": unix.CAP_NET_BIND_SERVICE, "NET_BROADCAST": unix.CAP_NET_BROADCAST,
	"NET_ADMIN": unix.CAP_NET_ADMIN, "NET_RAW": unix.CAP_NET_RAW, "IPC_LOCK": unix.CAP_IPC_LOCK,
	"IPC_OWNER": unix.CAP_IPC_OWNER, "SYS_MODULE": unix.CAP_SYS_MODULE, "SYS_RAWIO": unix.CAP_SYS_RAWIO,
	"SYS_CHROOT": unix.CAP_SYS_CHROOT, "SYS_PTRACE": unix.CAP_SYS_PTRACE, "SYS_PACCT": unix.CAP_SYS_PACCT,
	"SYS_ADMIN": unix.CAP_SYS_ADMIN, "SYS_BOOT": unix.CAP_SYS_BOOT, "SYS_NICE": unix.CAP_SYS_NICE,
	"SYS_RESOURCE": unix.CAP_SYS_RESOURCE, "SYS_TIME": unix.CAP_SYS_TIME, "SYS_TTY_CONFIG": unix.CAP_SYS_TTY_CONFIG,
	"MKNOD": unix.CAP_MKNOD, "LEASE": unix.CAP_LEASE, "AUDIT_WRITE": unix.CAP_AUDIT_WRITE,
	"AUDIT_CONTROL": unix.CAP_AUDIT_CONTROL, "SETFCAP": unix.CAP_SETFCAP, "MAC_OVERRIDE": unix.CAP_MAC_OVERRIDE,
	"MAC_ADMIN": unix.CAP_MAC_ADMIN, "SYSLOG": unix.CAP_SYSLOG, "WAKE_ALARM": unix.CAP_WAKE_ALARM,
	"BLOCK_SUSPEND": unix.CAP_BLOCK_SUSPEND, "AUDIT_READ": unix.CAP_AUDIT_READ, "PERFMON": unix.CAP_PERFMON,
	"BPF": unix.CAP_BPF, "CHECKPOINT_RESTORE": unix.CAP_CHECKPOINT_RESTORE,
}

// DefaultCaps is docker's default capability set: enough for a service to
// change owners, bind low ports and switch users, and nothing that
// reaches the host (no SYS_ADMIN, SYS_MODULE, SYS_PTRACE, NET_ADMIN ...).
var DefaultCaps = []string{
	"CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID",
	"SETUID", "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE",
}

// capLast is the highest capability this kernel knows.
func capLast() uintptr {
	var n int
	if b, err := readInt("/proc/sys/kernel/cap_last_cap"); err == nil {
		n = b
	} else {
		n = int(unix.CAP_LAST_CAP)
	}
	return uintptr(n)
}

// ResolveCaps applies --cap-add and --cap-drop (names with or without the
// CAP_ prefix, or ALL) to the default set.
func ResolveCaps(add, drop []string, privileged bool) ([]string, error) {
	set := map[string]bool{}
	if privileged {
		for n := range capNames {
			set[n] = true
		}
	} else {
		for _, n := range DefaultCaps {
			set[n] = true
		}
	}
	norm := func(flag, s string) (string, error) {
		n := strings.ToUpper(strings.TrimPrefix(strings.ToUpper(s), "CAP_"))
		if n == "ALL" {
			return n, nil
		}
		if _, ok := capNames[n]; !ok {
			return "", fmt.Errorf("%s %q: unknown capability (such as NET_ADMIN or SYS_PTRACE; see capabilities(7))", flag, s)
		}
		return n, nil
	}
	for _, d := range drop {
		n, err := norm("--cap-drop", d)
		if err != nil {
			return nil, err
		}
		if n == "ALL" {
			set = map[string]bool{}
		} else {
			delete(set, n)
		}
	}
	for _, a := range add {
		n, err := norm("--cap-add", a)
		if err != nil {
			return nil, err
		}
		if n == "ALL" {
			for k := range capNames {
				set[k] = true
			}
		} else {
			set[n] = true
		}
	}
	var out []string
	for n := range set {
		out = append(out, n)
	}
	sortStrings(out)
	return out, nil
}

// dropBounding removes every capability not named from the calling
// thread's bounding set, so that nothing the container execs can ever
// gain it, not even a setuid-root binary.
func dropBounding(names []string) error {
	keep := capSet(names)
	last := capLast()
	for c := uintptr(0); c <= last; c++ {
		if keep[c] {
			continue
		}
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, c, 0, 0, 0); err != nil && err != unix.EINVAL {
			return fmt.Errorf("prctl(PR_CAPBSET_DROP, %d): %w", c, err)
		}
	}
	return nil
}

// setCaps makes the named capabilities, as far as the bounding set still
// holds them, the thread's permitted, effective and inheritable sets, and
// clears the ambient set. A vitro that itself runs with fewer than all
// capabilities (inside another container, say) can only pass on what it has:
// --privileged then means "everything vitro holds".
func setCaps(names []string) error {
	unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
	var data [2]unix.CapUserData
	for c := range capSet(names) {
		if in, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, c, 0, 0, 0); err != nil || in != 1 {
			continue
		}
		data[c/32].Effective |= 1 << (c % 32)
		data[c/32].Permitted |= 1 << (c % 32)
		data[c/32].Inheritable |= 1 << (c % 32)
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capset: %w", err)
	}
	return nil
}

func capSet(names []string) map[uintptr]bool {
	keep := map[uintptr]bool{}
	for _, n := range names {
		keep[capNames[n]] = true
	}
	return keep
}
