package cgroupdemo

import (
	"errors"
	"fmt"
	"math"
)

// Resources are the limits `docker run` sets on a container, in docker's
// units. The zero value of each field means "not set": the kernel's
// default (no limit) stays in place.
type Resources struct {
	// Memory is the memory limit in bytes (-m, --memory).
	Memory int64 `json:"memory,omitempty"`
	// MemorySwap is memory plus swap in bytes (--memory-swap); -1 lets the
	// cgroup swap without limit. When it is 0 and Memory is set, vitro
	// allows no swap at all (docker would allow as much swap as memory), so
	// that a memory limit bites the same way on every host.
	MemorySwap int64 `json:"memory_swap,omitempty"`
	// MemorySwappiness (v1 only, --memory-swappiness) is 0–100; nil keeps
	// the parent's.
	MemorySwappiness *int64 `json:"memory_swappiness,omitempty"`
	// NanoCPUs is the CPU quota in billionths of a CPU (--cpus 0.5 is
	// 500000000), enforced per CPUPeriod.
	NanoCPUs int64 `json:"nano_cpus,omitempty"`
	// CPUPeriod is the enforcement period in microseconds (--cpu-period).
	// The default value is 100000 (100ms), the kernel's.
	CPUPeriod uint64 `json:"cpu_period,omitempty"`
	// CPUShares is the relative CPU weight under contention (--cpu-shares),
	// 2–262144, 1024 being the default. On v2 it becomes cpu.weight.
	CPUShares uint64 `json:"cpu_shares,omitempty"`
	// PidsLimit caps the number of tasks (processes and threads,
	// --pids-limit); -1 is explicitly unlimited.
	PidsLimit int64 `json:"pids_limit,omitempty"`
	// CpusetCpus lists the CPUs the cgroup may run on (--cpuset-cpus),
	// in the kernel's list format: "0-2,4".
	CpusetCpus string `json:"cpuset_cpus,omitempty"`
	// CpusetMems lists the memory nodes (--cpuset-mems).
	CpusetMems string `json:"cpuset_mems,omitempty"`
}

// Limits of the kernel and of docker that Validate enforces.
const (
	// DefaultCPUPeriod is the CFS period in microseconds.
	DefaultCPUPeriod = 100000
	// MinMemory is docker's smallest memory limit: below it a container
	// cannot even start its runtime.
	MinMemory = 6 << 20
	minShares = 2
	maxShares = 262144
	// The kernel refuses a quota under 1ms.
	minQuotaUS = 1000
)

// ErrInvalidResources wraps every error of Validate, for callers that
// tell bad input from a failing kernel.
var ErrInvalidResources = errors.New("invalid value")

// Validate checks r against docker's rules and this host: numCPU CPUs,
// and availableCPUs (the parent cgroup's effective cpuset) for
// CpusetCpus (see AvailableCPUs; nil checks the list's syntax only). Each
// error names the value and what is accepted.
func (r Resources) Validate(numCPU int, availableCPUs []int) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidResources, fmt.Sprintf(format, args...))
	}
	if r.Memory < 0 {
		return bad("memory %d: want %s", r.Memory, sizeForms)
	}
	if r.Memory > 0 && r.Memory < MinMemory {
		return bad("memory %s: the minimum memory limit is 6MiB (6m)", FormatBytes(r.Memory))
	}
	if r.MemorySwap != 0 && r.MemorySwap != -1 && r.MemorySwap < r.Memory {
		return bad("memory-swap %s is smaller than memory %s: it counts memory plus swap, so it must be at least as large (or -1 for unlimited swap)",
			FormatBytes(r.MemorySwap), FormatBytes(r.Memory))
	}
	if r.MemorySwap != 0 && r.Memory == 0 {
		return bad("memory-swap needs a memory limit too (-m)")
	}
	if s := r.MemorySwappiness; s != nil && (*s < 0 || *s > 100) {
		return bad("memory-swappiness %d: want 0 to 100", *s)
	}
	if r.NanoCPUs < 0 {
		return bad("cpus %s: want %s", FormatCPUs(r.NanoCPUs), cpusForms)
	}
	if r.CPUPeriod != 0 && (r.CPUPeriod < 1000 || r.CPUPeriod > 1000000) {
		return bad("cpu-period %d: want 1000 to 1000000 microseconds", r.CPUPeriod)
	}
	if r.NanoCPUs > 0 {
		if r.NanoCPUs > int64(numCPU)*1e9 {
			return bad("cpus %s: the range of CPUs is from 0.01 to %d.00, as there are only %d CPUs available", FormatCPUs(r.NanoCPUs), numCPU, numCPU)
		}
		if q, _ := r.quota(); q < minQuotaUS {
			return bad("cpus %s: gives a quota of %dµs per %dµs period, under the kernel's minimum of 1000µs: use at least 0.01 CPUs", FormatCPUs(r.NanoCPUs), q, r.period())
		}
	}
	if r.CPUShares != 0 && (r.CPUShares < minShares || r.CPUShares > maxShares) {
		return bad("cpu-shares %d: want %d to %d (1024 is the default weight)", r.CPUShares, minShares, maxShares)
	}
	if r.PidsLimit < -1 {
		return bad("pids-limit %d: want a positive number of tasks, or -1 for unlimited", r.PidsLimit)
	}
	if r.CpusetCpus != "" {
		err := CheckCPUSet(r.CpusetCpus, availableCPUs)
		if availableCPUs == nil {
			_, err = ParseCPUList(r.CpusetCpus)
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidResources, err)
		}
	}
	if r.CpusetMems != "" {
		if _, err := ParseCPUList(r.CpusetMems); err != nil {
			return bad("cpuset-mems %q: want a list of memory nodes such as 0 or 0-1", r.CpusetMems)
		}
	}
	return nil
}

func (r Resources) period() uint64 {
	if r.CPUPeriod == 0 {
		return DefaultCPUPeriod
	}
	return r.CPUPeriod
}

// quota converts NanoCPUs to a CFS quota per period, both in µs: 0.5 CPUs
// over 100000µs is 50000µs.
func (r Resources) quota() (quota int64, period uint64) {
	p := r.period()
	return r.NanoCPUs * int64(p) / 1e9, p
}

// swapBytes is the swap allowance beyond memory: 0 (no swap) unless
// MemorySwap says otherwise; -1 is unlimited.
func (r Resources) swapBytes() int64 {
	switch {
	case r.MemorySwap == -1:
		return -1
	case r.MemorySwap > r.Memory:
		return r.MemorySwap - r.Memory
	}
	return 0
}

// SharesToWeight converts v1 cpu.shares (2–262144, default 1024) to v2
// cpu.weight (1–10000, default 100) so that a container gets the same
// relative weight on either version. It is the curve crun, runc and kata
// use since 2025: a quadratic in log2(shares) that maps the ends of the
// ranges onto each other and 1024 onto 100 exactly,
//
//	weight = 10^((log2(shares)² + 125·log2(shares)) / 612 − 7/34)
//
// (the older linear map sent the default 1024 to 39, starving containers
// next to systemd services at 100). 0 stays 0 (unset).
func SharesToWeight(shares uint64) uint64 {
	if shares == 0 {
		return 0
	}
	shares = min(max(shares, minShares), maxShares)
	l := math.Log2(float64(shares))
	w := math.Pow(10, (l*l+125*l)/612-7.0/34)
	// Round up, forgiving the last bits of floating-point error so that
	// 1024 is 100, not 101.
	return min(max(uint64(math.Ceil(w-1e-6)), 1), 10000)
}

// WeightToShares is the inverse of SharesToWeight, for showing a v2
// weight in docker's units: it solves the quadratic for log2(shares).
func WeightToShares(weight uint64) uint64 {
	if weight == 0 {
		return 0
	}
	weight = min(max(weight, 1), 10000)
	c := 612 * (math.Log10(float64(weight)) + 7.0/34)
	l := (-125 + math.Sqrt(125*125+4*c)) / 2
	// The largest shares that map back to this weight (Ceil above).
	return min(max(uint64(math.Floor(math.Exp2(l)+1e-6)), minShares), maxShares)
}
