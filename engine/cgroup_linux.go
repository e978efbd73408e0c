package engine

import (
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/vitro-dev/vitro/cgroupdemo"
	"github.com/vitro-dev/vitro/internal/trace"
)

// limits are the parsed resource flags.
type limits struct {
	Limits
	res cgroupdemo.Resources
}

// parseLimits reads -m, --memory-swap, --cpus, --cpu-shares,
// --cpuset-cpus and --pids-limit in docker's syntax.
func parseLimits(o RunOptions) (limits, error) {
	var l limits
	var err error
	f := cgroupdemo.DockerFlags{Memory: o.Memory, MemorySwap: o.MemorySwap, CPUs: o.CPUs, CPUShares: o.CPUShares,
		CpusetCpus: o.CpusetCpus, PidsLimit: o.PidsLimit}
	if l.res, err = f.Resources(runtime.NumCPU(), allowedCPUs()); err != nil {
		return l, err
	}
	l.Limits = Limits{Memory: l.res.Memory, MemorySwap: l.res.MemorySwap, NanoCPUs: l.res.NanoCPUs, CPUShares: l.res.CPUShares,
		PidsLimit: l.res.PidsLimit, CpusetCpus: l.res.CpusetCpus}
	return l, nil
}

// allowedCPUs lists the CPUs vitro may run on (sched_getaffinity), which
// a --cpuset-cpus must stay within.
func allowedCPUs() []int {
	var set unix.CPUSet
	if unix.SchedGetaffinity(0, &set) != nil {
		return nil
	}
	var cpus []int
	for i := 0; i < len(set)*64; i++ {
		if set.IsSet(i) {
			cpus = append(cpus, i)
		}
	}
	return cpus
}

// cgroupName is the container's cgroup, under the configured parent
// (cgroup-parent, default vitro/): derived from the ID alone,
// so that `vitro rm` finds it even when a crash came before the record
// named it.
func (e *Engine) cgroupName(id string) string { return e.cgroupParent() + "/" + id[:12] }

func (e *Engine) cgroupParent() string {
	if p := strings.TrimPrefix(e.Config.CgroupParent, "/"); p != "" {
		return p
	}
	return cgroupdemo.Parent
}

// cgroupHandle is the container's cgroup.
type cgroupHandle = *cgroupdemo.Cgroup

// createCgroup makes vitro/<id> in every hierarchy and writes the limits,
// through cgroupdemo's one applier, which traces each write.
func (e *Engine) createCgroup(id string, l limits, devices []cgroupdemo.DeviceRule) (cgroupHandle, error) {
	d, err := cgroupdemo.Detect(cgroupdemo.DefaultRoot)
	if err != nil {
		return nil, err
	}
	cg, err := cgroupdemo.Create(d, e.cgroupName(id))
	if err != nil {
		return nil, err
	}
	if err := cg.Set(l.res); err != nil {
		cg.Remove()
		return nil, err
	}
	// Before init joins: a container never runs a moment with the host's
	// disks in reach.
	if err := cg.SetDevices(devices); err != nil {
		cg.Remove()
		return nil, err
	}
	return cg, nil
}

// openCgroupFD opens the directory of a v2 cgroup for clone3's
// CLONE_INTO_CGROUP. O_PATH is enough: the kernel only looks the
// directory up, it reads nothing through the fd.
func openCgroupFD(cg cgroupHandle) (int, error) {
	dir := cg.Dirs()[0]
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("opening cgroup %s for clone3: %w", dir, err)
	}
	trace.Action("cgroup open", trace.Str("path", dir), trace.Int("fd", int64(fd)), trace.Str("flags", "O_PATH|O_DIRECTORY"))
	return fd, nil
}
