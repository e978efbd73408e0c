package cgroupdemo

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Stats is what a cgroup's files say about it at one moment: usage,
// limits as the kernel holds them, and event counters. Fields a kernel
// does not offer stay zero; limits are -1 when unlimited.
type Stats struct {
	Memory MemoryStats  `json:"memory"`
	CPU    CPUStats     `json:"cpu"`
	Pids   PidsStats    `json:"pids"`
	Cpuset CpusetStats  `json:"cpuset"`
	Freeze FreezerState `json:"freezer_state,omitempty"`
	Procs  []int        `json:"procs"` // cgroup.procs: the processes (thread-group leaders) inside
}

// MemoryStats are in bytes.
type MemoryStats struct {
	Usage     uint64 `json:"usage"`      // memory.current / memory.usage_in_bytes
	Peak      uint64 `json:"peak"`       // memory.peak / memory.max_usage_in_bytes
	Limit     int64  `json:"limit"`      // memory.max / memory.limit_in_bytes
	SwapLimit int64  `json:"swap_limit"` // memory.swap.max / memory.memsw.limit_in_bytes (v1: memory+swap)
	// Max counts the times usage hit the limit (memory.events max /
	// memory.failcnt).
	Max uint64 `json:"max_events"`
	// OOM counts the times the OOM killer was invoked (memory.events oom;
	// on v1, under_oom is only a flag, so this equals OOMKill).
	OOM uint64 `json:"oom_events"`
	// OOMKill counts processes the OOM killer killed (memory.events
	// oom_kill / memory.oom_control oom_kill).
	OOMKill uint64 `json:"oom_kill"`
}

// CPUStats are in nanoseconds and CFS periods.
type CPUStats struct {
	UsageNS     uint64 `json:"usage_ns"`  // cpu.stat usage_usec / cpuacct.usage
	UserNS      uint64 `json:"user_ns"`   // cpu.stat user_usec / cpuacct.usage_user
	SystemNS    uint64 `json:"system_ns"` // cpu.stat system_usec / cpuacct.usage_sys
	Periods     uint64 `json:"nr_periods"`
	Throttled   uint64 `json:"nr_throttled"`
	ThrottledNS uint64 `json:"throttled_ns"`
	QuotaUS     int64  `json:"quota_us"` // -1: no quota
	PeriodUS    uint64 `json:"period_us"`
	Shares      uint64 `json:"shares,omitempty"` // v1 cpu.shares
	Weight      uint64 `json:"weight,omitempty"` // v2 cpu.weight
}

// PidsStats count tasks: processes and their threads.
type PidsStats struct {
	Current uint64 `json:"current"`
	Limit   int64  `json:"limit"`      // -1: max
	Max     uint64 `json:"max_events"` // pids.events max: forks refused
}

// CpusetStats are CPU and memory-node lists in the kernel's format.
type CpusetStats struct {
	Cpus          string `json:"cpus"`
	Mems          string `json:"mems"`
	EffectiveCpus string `json:"effective_cpus"`
	EffectiveMems string `json:"effective_mems"`
}

// unlimitedV1 is where v1 counters top out: a limit at or above it is
// "no limit" (the kernel shows PAGE_COUNTER_MAX pages, 9223372036854771712).
const unlimitedV1 = 1 << 62

// readString reads a one-line cgroup file without its newline.
func readString(dir, file string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// parseUint parses a counter; "max" and v1's huge values are returned as
// -1 when asLimit is set.
func parseLimit(s string) (int64, error) {
	if s == "max" || s == "-1" {
		return -1, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("not a number or max: %q", s)
	}
	if n >= unlimitedV1 {
		return -1, nil
	}
	return int64(n), nil
}

// parseKeyed parses a flat-keyed file ("key value" per line), as
// memory.events, memory.stat, cpu.stat, pids.events and
// memory.oom_control are. Values that are not numbers are skipped.
func parseKeyed(data string) map[string]uint64 {
	m := map[string]uint64{}
	sc := bufio.NewScanner(strings.NewReader(data))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		if !ok {
			continue
		}
		if n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64); err == nil {
			m[k] = n
		}
	}
	return m
}

// statReader reads files of one cgroup directory, remembering the first
// error other than "does not exist" (a file this kernel lacks).
type statReader struct {
	dir string
	err error
}

func (r *statReader) str(file string) string {
	s, err := readString(r.dir, file)
	if err != nil && !errors.Is(err, fs.ErrNotExist) && r.err == nil {
		r.err = fmt.Errorf("reading %s: %w", filepath.Join(r.dir, file), err)
	}
	return s
}

func (r *statReader) uint(file string) uint64 {
	s := r.str(file)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("%s: %w", filepath.Join(r.dir, file), err)
	}
	return n
}

// limit reads a limit file; a missing file is -1 (no limit).
func (r *statReader) limit(file string) int64 {
	s := r.str(file)
	if s == "" {
		return -1
	}
	n, err := parseLimit(s)
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("%s: %w", filepath.Join(r.dir, file), err)
	}
	return n
}

func (r *statReader) keyed(file string) map[string]uint64 {
	return parseKeyed(r.str(file))
}

// readProcs reads cgroup.procs.
func readProcs(dir string) ([]int, error) {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("%s: bad pid %q", filepath.Join(dir, "cgroup.procs"), f)
		}
		pids = append(pids, n)
	}
	return pids, nil
}
