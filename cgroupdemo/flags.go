package cgroupdemo

import "fmt"

// DockerFlags are `docker run`'s resource flags as typed on a command
// line. `vitro run` and `vitro cgroup plan` take the same flags and turn
// them into Resources here, so both accept and refuse the same values.
type DockerFlags struct {
	Memory     string // -m, --memory: 64m, 1g
	MemorySwap string // --memory-swap: a size, or -1 for unlimited swap
	CPUs       string // --cpus: 0.5
	CPUShares  int64  // --cpu-shares: 2–262144 (1024 is the default); 0 is unset
	CpusetCpus string // --cpuset-cpus: 0-1
	PidsLimit  int64  // --pids-limit: -1 is unlimited, 0 unset
}

// Resources parses the flags in docker's syntax and validates the result
// against this host (numCPU CPUs; availableCPUs for --cpuset-cpus, nil to
// check its syntax only: see Resources.Validate). An error names the flag
// and the value.
func (f DockerFlags) Resources(numCPU int, availableCPUs []int) (Resources, error) {
	var r Resources
	var err error
	if f.Memory != "" {
		if r.Memory, err = ParseBytes(f.Memory); err != nil {
			return r, fmt.Errorf("--memory: %w", err)
		}
	}
	if f.MemorySwap == "-1" {
		r.MemorySwap = -1
	} else if f.MemorySwap != "" {
		if r.MemorySwap, err = ParseBytes(f.MemorySwap); err != nil {
			return r, fmt.Errorf("--memory-swap: %w", err)
		}
	}
	if f.CPUs != "" {
		if r.NanoCPUs, err = ParseCPUs(f.CPUs); err != nil {
			return r, fmt.Errorf("--cpus: %w", err)
		}
	}
	if f.CPUShares < 0 {
		return r, fmt.Errorf("--cpu-shares %d: must be positive (%d–%d; 1024 is the default)", f.CPUShares, minShares, maxShares)
	}
	r.CPUShares, r.CpusetCpus, r.PidsLimit = uint64(f.CPUShares), f.CpusetCpus, f.PidsLimit
	if err := r.Validate(numCPU, availableCPUs); err != nil {
		return r, err
	}
	return r, nil
}
