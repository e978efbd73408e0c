package cgroupdemo

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
)

// V2 drives the unified hierarchy: a cgroup is one directory, every
// controller's files side by side. Two rules shape it. A controller works
// in a cgroup only if the parent lists it in cgroup.subtree_control. And
// apart from the root, a cgroup with controllers enabled for its children
// may hold no processes itself ("no internal processes"), which is why
// vitro's processes live in leaves under the empty vitro parent.
type V2 struct {
	mount string
}

var _ Driver = (*V2)(nil)

// NewV2 returns a v2 driver for the cgroup2 tree mounted at mount.
func NewV2(mount string) *V2 { return &V2{mount: filepath.Clean(mount)} }

func (d *V2) Mode() Mode { return Unified }

func (d *V2) Hierarchies() []Hierarchy {
	ctrls, _ := readString(d.mount, "cgroup.controllers")
	return []Hierarchy{{Mountpoint: d.mount, Version: 2, Controllers: strings.Fields(ctrls)}}
}

func (d *V2) Dirs(name string) []string { return []string{filepath.Join(d.mount, name)} }

func (d *V2) Dir(name, _ string) (string, error) { return filepath.Join(d.mount, name), nil }

// Setup enables, in each ancestor of name from the root down, every
// controller vitro uses that the ancestor has and has not yet delegated:
// one write of "+controller" to cgroup.subtree_control for each. What an
// ancestor has is its parent's subtree_control once the writes planned for
// the parent are made (a child's cgroup.controllers is exactly that), so
// the whole chain is enabled by one plan, not one level per call.
func (d *V2) Setup(name string) ([]Write, error) {
	var ws []Write
	var avail map[string]bool
	for i, a := range ancestors(name) {
		dir := filepath.Join(d.mount, a)
		if i == 0 {
			have, err := readString(dir, "cgroup.controllers")
			if err != nil {
				return nil, fmt.Errorf("reading %s: %w", filepath.Join(dir, "cgroup.controllers"), err)
			}
			avail = set(strings.Fields(have))
		}
		enabled := map[string]bool{}
		if on, err := readString(dir, "cgroup.subtree_control"); err == nil {
			enabled = set(strings.Fields(on))
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("reading %s: %w", filepath.Join(dir, "cgroup.subtree_control"), err)
		}
		next := map[string]bool{}
		for c := range enabled {
			next[c] = true
		}
		for _, c := range v2Wanted {
			if avail[c] && !enabled[c] {
				ws = append(ws, Write{Cgroup: a, File: "cgroup.subtree_control", Value: "+" + c})
				next[c] = true
			}
		}
		avail = next
	}
	return ws, nil
}

func set(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

func (d *V2) Plan(r Resources) ([]Write, error) {
	var ws []Write
	add := func(file, value string, optional bool) {
		ws = append(ws, Write{Controller: strings.Split(file, ".")[0], File: file, Value: value, Optional: optional})
	}
	if r.Memory > 0 {
		add("memory.max", strconv.FormatInt(r.Memory, 10), false)
		// v2 limits swap on its own (v1 limited memory+swap). Absent when
		// the kernel has no swap accounting.
		add("memory.swap.max", pidsValue(r.swapBytes()), true)
	}
	if r.NanoCPUs > 0 || r.CPUPeriod > 0 {
		q, p := r.quota()
		quota := "max"
		if r.NanoCPUs > 0 {
			quota = strconv.FormatInt(q, 10)
		}
		add("cpu.max", quota+" "+strconv.FormatUint(p, 10), false)
	}
	if r.CPUShares > 0 {
		add("cpu.weight", strconv.FormatUint(SharesToWeight(r.CPUShares), 10), false)
	}
	if r.PidsLimit != 0 {
		add("pids.max", pidsValue(r.PidsLimit), false)
	}
	if r.CpusetCpus != "" {
		add("cpuset.cpus", r.CpusetCpus, false)
	}
	if r.CpusetMems != "" {
		add("cpuset.mems", r.CpusetMems, false)
	}
	// v2 has no swappiness per cgroup: MemorySwappiness is a v1 knob.
	return ws, nil
}

func (d *V2) Join(pid int) []Write {
	return []Write{{File: "cgroup.procs", Value: strconv.Itoa(pid)}}
}

func (d *V2) Freeze(frozen bool) []Write {
	v := "0"
	if frozen {
		v = "1"
	}
	return []Write{{File: "cgroup.freeze", Value: v}}
}

// FreezeState reads "frozen" from cgroup.events: 1 once every task has
// stopped. Asked to freeze but not there yet is FREEZING, as on v1.
func (d *V2) FreezeState(name string) (FreezerState, error) {
	dir := filepath.Join(d.mount, name)
	want, err := readString(dir, "cgroup.freeze")
	if err != nil {
		return "", err
	}
	ev, err := readString(dir, "cgroup.events")
	if err != nil {
		return "", err
	}
	frozen := parseKeyed(ev)["frozen"] == 1
	switch {
	case frozen:
		return Frozen, nil
	case want == "1":
		return Freezing, nil
	}
	return Thawed, nil
}

func (d *V2) Stats(name string) (*Stats, error) {
	dir := filepath.Join(d.mount, name)
	if !exists(dir) {
		return nil, fmt.Errorf("cgroup %s: %w", dir, fs.ErrNotExist)
	}
	r := &statReader{dir: dir}
	st := &Stats{}
	m := &st.Memory
	m.Usage = r.uint("memory.current")
	m.Peak = r.uint("memory.peak") // Linux 5.19+
	m.Limit = r.limit("memory.max")
	m.SwapLimit = r.limit("memory.swap.max")
	ev := r.keyed("memory.events")
	m.Max, m.OOM, m.OOMKill = ev["max"], ev["oom"], ev["oom_kill"]

	c := &st.CPU
	cs := r.keyed("cpu.stat")
	c.UsageNS, c.UserNS, c.SystemNS = cs["usage_usec"]*1000, cs["user_usec"]*1000, cs["system_usec"]*1000
	c.Periods, c.Throttled, c.ThrottledNS = cs["nr_periods"], cs["nr_throttled"], cs["throttled_usec"]*1000
	c.QuotaUS, c.PeriodUS = -1, 0
	if q, p, ok := strings.Cut(r.str("cpu.max"), " "); ok {
		c.QuotaUS, _ = parseLimit(q)
		c.PeriodUS, _ = strconv.ParseUint(p, 10, 64)
	}
	c.Weight = r.uint("cpu.weight")

	st.Pids.Current = r.uint("pids.current")
	st.Pids.Limit = r.limit("pids.max")
	st.Pids.Max = r.keyed("pids.events")["max"]

	st.Cpuset = CpusetStats{
		Cpus: r.str("cpuset.cpus"), Mems: r.str("cpuset.mems"),
		EffectiveCpus: r.str("cpuset.cpus.effective"), EffectiveMems: r.str("cpuset.mems.effective"),
	}
	if name != "." { // the root cannot be frozen
		st.Freeze, _ = d.FreezeState(name)
	}
	procs, err := readProcs(dir)
	st.Procs = procs
	return st, errors.Join(r.err, err)
}
