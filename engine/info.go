package engine

import (
	"os"
	"runtime"
	"strings"

	"github.com/vitro-dev/vitro/cgroupdemo"
	"github.com/vitro-dev/vitro/engine/image"
	"github.com/vitro-dev/vitro/fsdemo"
	"github.com/vitro-dev/vitro/internal/config"
	"github.com/vitro-dev/vitro/nsdemo"
	"golang.org/x/sys/unix"
)

// Info is what `vitro info` reports, read from the running kernel and the
// data root. Field names are what --format templates use: {{.CgroupMode}}.
type Info struct {
	Kernel            string   // uname -r
	OperatingSystem   string   // PRETTY_NAME from /etc/os-release
	Architecture      string   // GOARCH
	CPUs              int      // CPUs this process may run on
	MemTotal          uint64   // bytes, from sysinfo(2)
	CgroupMode        string   // v1, hybrid, v2 or unavailable
	CgroupDriver      string   // cgroupfs or systemd (exec-opts)
	CgroupControllers []string // controllers the host offers
	Namespaces        []string // namespace kinds this kernel has
	Overlay           bool     // overlayfs listed in /proc/filesystems
	StorageDriver     string   // overlay2 or vfs (storage-driver)
	DataRoot          string
	RunRoot           string
	Bridge            string // bridge (config)
	BIP               string // bridge address and subnet (bip)
	Images            int    // images in the store
	Containers        int    // containers, in any state
	ContainersRunning int
	ContainersStopped int
}

// SystemInfo gathers Info. Parts that cannot be read are left empty rather
// than failing the whole report.
func SystemInfo(cfg *config.Config) Info {
	in := Info{
		Architecture:  runtime.GOARCH,
		CPUs:          runtime.NumCPU(),
		CgroupDriver:  cfg.CgroupDriver(),
		StorageDriver: cfg.StorageDriver,
		DataRoot:      cfg.DataRoot,
		RunRoot:       cfg.ExecRoot,
		Bridge:        cfg.Bridge,
		BIP:           cfg.BIP,
	}
	in.Kernel = KernelRelease()
	in.OperatingSystem = osRelease()
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) == nil {
		in.MemTotal = uint64(si.Totalram) * uint64(si.Unit)
	}
	mode, _ := cgroupdemo.DetectMode(cgroupdemo.DefaultRoot)
	in.CgroupMode = mode.String()
	in.CgroupControllers, _ = cgroupdemo.Controllers(cgroupdemo.DefaultRoot, mode)
	for _, t := range nsdemo.Types {
		if _, err := os.Lstat("/proc/self/ns/" + t.Name); err == nil {
			in.Namespaces = append(in.Namespaces, t.Name)
		}
	}
	in.Overlay, _ = fsdemo.FilesystemSupported("overlay")
	in.Images = image.Count(cfg.DataRoot)
	if cs, err := New(cfg).List(); err == nil {
		in.Containers = len(cs)
		for _, c := range cs {
			if c.State.Status == StatusRunning || c.State.Status == StatusPaused {
				in.ContainersRunning++
			}
		}
	}
	in.ContainersStopped = in.Containers - in.ContainersRunning
	return in
}

// KernelRelease is uname -r.
func KernelRelease() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Release[:])
}

func osRelease() string {
	b, err := os.ReadFile("/etc/os-release")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}
