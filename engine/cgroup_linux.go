package engine

import (
	"fmt"
	"runtime"

	"github.com/vitro-dev/vitro/cgroupdemo"
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
	if o.Memory != "" {
		if l.res.Memory, err = cgroupdemo.ParseBytes(o.Memory); err != nil {
			return l, fmt.Errorf("--memory: %w", err)
		}
	}
	if o.MemorySwap != "" {
		if o.MemorySwap == "-1" {
			l.res.MemorySwap = -1
		} else if l.res.MemorySwap, err = cgroupdemo.ParseBytes(o.MemorySwap); err != nil {
			return l, fmt.Errorf("--memory-swap: %w", err)
		}
	}
	if o.CPUs != "" {
		if l.res.NanoCPUs, err = cgroupdemo.ParseCPUs(o.CPUs); err != nil {
			return l, fmt.Errorf("--cpus: %w", err)
		}
	}
	if o.CPUShares < 0 {
		return l, fmt.Errorf("--cpu-shares %d: must be positive (2–262144; 1024 is the default)", o.CPUShares)
	}
	l.res.CPUShares = uint64(o.CPUShares)
	l.res.CpusetCpus = o.CpusetCpus
	l.res.PidsLimit = o.PidsLimit
	if err := l.res.Validate(runtime.NumCPU(), nil); err != nil {
		return l, err
	}
	l.Memory, l.CPUs, l.PidsLimit, l.CpusetCpus = l.res.Memory, float64(l.res.NanoCPUs)/1e9, l.res.PidsLimit, l.res.CpusetCpus
	return l, nil
}

// cgroupHandle is the container's cgroup.
type cgroupHandle = *cgroupdemo.Cgroup

// createCgroup makes vitro/<id> in every hierarchy and writes the limits,
// through cgroupdemo's one applier, which traces each write.
func createCgroup(id string, l limits) (cgroupHandle, error) {
	d, err := cgroupdemo.Detect(cgroupdemo.DefaultRoot)
	if err != nil {
		return nil, err
	}
	cg, err := cgroupdemo.Create(d, "vitro/"+id[:12])
	if err != nil {
		return nil, err
	}
	if err := cg.Set(l.res); err != nil {
		cg.Remove()
		return nil, err
	}
	return cg, nil
}
