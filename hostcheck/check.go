package hostcheck

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/vitro-dev/vitro/cgroupdemo"
	"github.com/vitro-dev/vitro/engine"
	"github.com/vitro-dev/vitro/fsdemo"
	"github.com/vitro-dev/vitro/netdemo"
	"github.com/vitro-dev/vitro/nsdemo"
)

// CheckStatus is the outcome of one requirement.
type CheckStatus string

const (
	OK      CheckStatus = "OK"
	Warn    CheckStatus = "WARN"
	Missing CheckStatus = "MISSING"
	// NeedsRoot: the check could not be made without root.
	NeedsRoot CheckStatus = "NEEDS ROOT"
)

// Requirement is one line of `vitro check`.
type Requirement struct {
	Name   string
	Status CheckStatus
	Detail string // what was found
	Hint   string // what to do, when not OK
	Hard   bool   // vitro cannot work without it
}

// Failed reports whether a hard requirement is not met.
func (r Requirement) Failed() bool { return r.Hard && r.Status != OK && r.Status != Warn }

// Check examines the host for everything vitro uses. It changes nothing
// on the host: the veth and bridge probe runs in a throwaway network
// namespace.
func Check() []Requirement {
	root := os.Geteuid() == 0
	var rs []Requirement
	add := func(r Requirement) { rs = append(rs, r) }

	if root {
		add(Requirement{Name: "root", Status: OK, Detail: "euid 0", Hard: true})
	} else {
		add(Requirement{Name: "root", Status: Missing, Detail: fmt.Sprintf("euid %d", os.Geteuid()), Hard: true,
			Hint: "run as root (sudo vitro ...): namespaces, mounts, cgroups and links need CAP_SYS_ADMIN and CAP_NET_ADMIN"})
	}
	add(checkKernel())
	for _, t := range nsdemo.Types {
		r := Requirement{Name: t.Name + " namespace", Hard: t.Name != "time" && t.Name != "cgroup"}
		if _, err := os.Lstat("/proc/self/ns/" + t.Name); err == nil {
			r.Status, r.Detail = OK, t.CloneFlag+" (since Linux "+t.Since+")"
		} else {
			r.Status, r.Detail = Missing, "no /proc/self/ns/"+t.Name
			r.Hint = fmt.Sprintf("needs Linux %s or later built with %s", t.Since, t.CloneFlag)
			if !r.Hard {
				r.Status = Warn
			}
		}
		add(r)
	}
	add(checkUserns())
	rs = append(rs, checkCgroups()...)
	add(checkOverlay())
	add(checkLinks(root))
	add(checkNetfilter())
	add(checkPropagation())
	add(checkBusybox())
	add(checkQemu())
	return rs
}

func checkKernel() Requirement {
	rel := engine.KernelRelease()
	r := Requirement{Name: "kernel ≥ 3.8", Detail: rel, Hard: true}
	var major, minor int
	fmt.Sscanf(rel, "%d.%d", &major, &minor)
	if major > 3 || (major == 3 && minor >= 8) {
		r.Status = OK
	} else {
		r.Status, r.Hint = Missing, "user namespaces and setns for all kinds arrived in 3.8: upgrade the kernel"
	}
	return r
}

func readInt(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

func checkUserns() Requirement {
	r := Requirement{Name: "unprivileged user namespaces"}
	max, err := readInt("/proc/sys/user/max_user_namespaces")
	switch {
	case err != nil:
		r.Status, r.Detail = Warn, "cannot read user.max_user_namespaces"
	case max == 0:
		r.Status, r.Detail, r.Hint = Warn, "user.max_user_namespaces = 0", "sysctl -w user.max_user_namespaces=15000 (only rootless use needs it)"
	default:
		r.Status, r.Detail = OK, fmt.Sprintf("user.max_user_namespaces = %d", max)
	}
	// Debian and Ubuntu kernels have an extra switch.
	if v, err := readInt("/proc/sys/kernel/unprivileged_userns_clone"); err == nil {
		r.Detail += fmt.Sprintf(", kernel.unprivileged_userns_clone = %d", v)
		if v == 0 {
			r.Status, r.Hint = Warn, "sysctl -w kernel.unprivileged_userns_clone=1 (only rootless use needs it)"
		}
	}
	return r
}

func checkCgroups() []Requirement {
	mode, err := cgroupdemo.DetectMode(cgroupdemo.DefaultRoot)
	r := Requirement{Name: "cgroup mode", Hard: true}
	if err != nil {
		r.Status, r.Detail, r.Hint = Missing, err.Error(), "mount cgroup2 on /sys/fs/cgroup (mount -t cgroup2 none /sys/fs/cgroup)"
		return []Requirement{r}
	}
	r.Status = OK
	switch mode {
	case cgroupdemo.Unified:
		r.Detail = "v2: cgroup2 mounted at " + cgroupdemo.DefaultRoot
	case cgroupdemo.Hybrid:
		r.Detail = "hybrid: v1 controllers under " + cgroupdemo.DefaultRoot + ", empty cgroup2 at " + cgroupdemo.DefaultRoot + "/unified"
	case cgroupdemo.Legacy:
		r.Detail = "v1: a hierarchy per controller under " + cgroupdemo.DefaultRoot
	}
	ctrls, _ := cgroupdemo.Controllers(cgroupdemo.DefaultRoot, mode)
	have := map[string]bool{}
	for _, c := range ctrls {
		have[c] = true
	}
	c := Requirement{Name: "cgroup controllers", Hard: true, Status: OK}
	var missing, found []string
	for _, want := range []string{"memory", "cpu", "pids", "cpuset", "freezer"} {
		ok := have[want]
		if want == "freezer" && mode == cgroupdemo.Unified {
			// v2 has no freezer controller: cgroup.freeze is in the core.
			ok = true
		}
		if ok {
			found = append(found, want)
		} else {
			missing = append(missing, want)
		}
	}
	c.Detail = strings.Join(found, " ")
	if len(missing) > 0 {
		c.Status, c.Detail = Missing, "missing: "+strings.Join(missing, " ")
		c.Hint = "enable them: on v2 add them to cgroup.subtree_control; on v1 mount their hierarchies; check the kernel command line for cgroup_disable="
	}
	return []Requirement{r, c}
}

func checkOverlay() Requirement {
	r := Requirement{Name: "overlayfs"}
	ok, err := fsdemo.FilesystemSupported("overlay")
	switch {
	case err != nil:
		r.Status, r.Detail = Warn, err.Error()
	case ok:
		r.Status, r.Detail = OK, "listed in /proc/filesystems"
	default:
		r.Status, r.Detail, r.Hint = Warn, "not in /proc/filesystems", "modprobe overlay (without it, use \"storage-driver\": \"vfs\": full copies)"
	}
	return r
}

func checkLinks(root bool) Requirement {
	r := Requirement{Name: "veth and bridge", Hard: true}
	if !root {
		r.Status, r.Detail, r.Hint = NeedsRoot, "probed by creating them in a throwaway network namespace", "run vitro check as root to probe"
		return r
	}
	berr, verr := netdemo.ProbeLinks()
	switch {
	case berr == nil && verr == nil:
		r.Status, r.Detail = OK, "created both in a throwaway network namespace"
	default:
		r.Status = Missing
		var parts []string
		for _, e := range []error{berr, verr} {
			if e != nil {
				parts = append(parts, e.Error())
			}
		}
		r.Detail = strings.Join(parts, "; ")
		r.Hint = "modprobe bridge veth"
	}
	return r
}

func checkNetfilter() Requirement {
	r := Requirement{Name: "nftables / iptables"}
	var found []string
	if _, err := os.Stat("/sys/module/nf_tables"); err == nil {
		found = append(found, "nf_tables module")
	}
	if _, err := os.Stat("/proc/net/ip_tables_names"); err == nil {
		found = append(found, "ip_tables module")
	}
	for _, bin := range []string{"nft", "iptables"} {
		if p, err := exec.LookPath(bin); err == nil {
			found = append(found, p)
		}
	}
	if len(found) == 0 {
		r.Status, r.Detail, r.Hint = Warn, "neither nf_tables nor ip_tables is loaded", "apt-get install nftables iptables (needed for NAT and published ports)"
	} else {
		r.Status, r.Detail = OK, strings.Join(found, ", ")
	}
	return r
}

func checkPropagation() Requirement {
	r := Requirement{Name: "mount propagation of /", Status: OK}
	ms, err := nsdemo.MountTable(0)
	if err != nil {
		return Requirement{Name: r.Name, Status: Warn, Detail: err.Error()}
	}
	if root, ok := nsdemo.FindMount(ms, "/"); ok {
		prop := "private"
		if strings.Contains(root.Propagation, "shared:") {
			prop = "shared"
		} else if strings.Contains(root.Propagation, "slave:") {
			prop = "slave"
		}
		r.Detail = prop + " (vitro makes / private inside each new mount namespace)"
	}
	return r
}

func checkBusybox() Requirement {
	r := Requirement{Name: "static busybox"}
	if p, ok := engine.BusyboxPath(); ok {
		r.Status, r.Detail = OK, p+" (for the bootstrap image)"
	} else {
		r.Status, r.Detail, r.Hint = Warn, "no static busybox", "apt-get install busybox-static (or make setup)"
	}
	return r
}

// checkQemu reports what the VM tests and vitro compare need: qemu, a
// kernel to boot and /dev/kvm. It is cheap and boots nothing: whether KVM
// really runs a guest here (on nested hosts /dev/kvm can open and a guest
// still hang) takes a boot of up to ten seconds, which the VM harness
// makes itself, and caches, in the programs that boot VMs (the VM tests,
// the vitro-vm helper). That keeps the harness, and xz, out of vitro.
func checkQemu() Requirement {
	r := Requirement{Name: "qemu and a kernel"}
	const hint = "only the VM tests and vitro compare need it"
	q, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		r.Status, r.Detail, r.Hint = Warn, "qemu-system-x86_64 not found", "apt-get install qemu-system-x86 linux-image-amd64 ("+hint+")"
		return r
	}
	kernels, _ := filepath.Glob("/boot/vmlinuz-*")
	if len(kernels) == 0 {
		r.Status, r.Detail, r.Hint = Warn, q+"; no kernel in /boot (vmlinuz-*)", "apt-get install linux-image-amd64 ("+hint+")"
		return r
	}
	r.Status, r.Detail = OK, q+", "+strings.Join(kernels, " ")
	if fd, err := unix.Open("/dev/kvm", unix.O_RDWR|unix.O_CLOEXEC, 0); err != nil {
		r.Detail += fmt.Sprintf("; /dev/kvm: %v: VMs run under TCG software emulation", err)
	} else {
		unix.Close(fd)
		r.Detail += "; /dev/kvm opens (the VM harness checks that a guest boots under it)"
	}
	return r
}
