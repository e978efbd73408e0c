package cgroupdemo

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// V1 drives cgroup v1, where each controller (or co-mounted set, such as
// cpu,cpuacct) is its own tree: a cgroup named vitro/web is one directory
// per hierarchy, /sys/fs/cgroup/memory/vitro/web,
// /sys/fs/cgroup/pids/vitro/web, ... and a process must be written into
// each. Hybrid hosts use it too.
type V1 struct {
	mode   Mode
	hs     []Hierarchy          // the hierarchies vitro writes to
	byCtrl map[string]Hierarchy // controller → its hierarchy
}

var _ Driver = (*V1)(nil)

// NewV1 returns a v1 driver over the given hierarchies (as read from the
// mount table; see hierarchiesFrom). Hierarchies carrying none of the
// controllers vitro manages, and cgroup2 trees, are ignored.
func NewV1(mode Mode, hs []Hierarchy) (*V1, error) {
	d := &V1{mode: mode, byCtrl: map[string]Hierarchy{}}
	for _, h := range hs {
		if h.Version != 1 {
			continue
		}
		use := false
		for _, c := range v1Wanted {
			if h.Has(c) {
				d.byCtrl[c] = h
				use = true
			}
		}
		if use {
			d.hs = append(d.hs, h)
		}
	}
	if len(d.hs) == 0 {
		return nil, fmt.Errorf("no cgroup v1 hierarchy with any of %v is mounted: %w", v1Wanted, ErrNoController)
	}
	return d, nil
}

func (d *V1) Mode() Mode               { return d.mode }
func (d *V1) Hierarchies() []Hierarchy { return d.hs }

func (d *V1) Dirs(name string) []string {
	out := make([]string, len(d.hs))
	for i, h := range d.hs {
		out[i] = filepath.Join(h.Mountpoint, name)
	}
	return out
}

func (d *V1) Dir(name, controller string) (string, error) {
	if controller == "" {
		return filepath.Join(d.hs[0].Mountpoint, name), nil
	}
	h, ok := d.byCtrl[controller]
	if !ok {
		return "", fmt.Errorf("cgroup v1 controller %q is not mounted under any hierarchy: %w", controller, ErrNoController)
	}
	return filepath.Join(h.Mountpoint, name), nil
}

// Setup copies cpuset.cpus and cpuset.mems down to every level of name
// that has them empty. A new v1 cpuset cgroup starts with neither, and
// the kernel refuses to let a task join it (ENOSPC) until both are set.
func (d *V1) Setup(name string) ([]Write, error) {
	h, ok := d.byCtrl["cpuset"]
	if !ok {
		return nil, nil
	}
	var ws []Write
	levels := append(ancestors(name), name)
	parent := map[string]string{}
	for i, level := range levels {
		dir := filepath.Join(h.Mountpoint, level)
		for _, file := range []string{"cpuset.cpus", "cpuset.mems"} {
			v, err := readString(dir, file)
			if err != nil {
				return nil, fmt.Errorf("reading %s: %w", filepath.Join(dir, file), err)
			}
			if v == "" && i > 0 {
				v = parent[file]
				ws = append(ws, Write{Cgroup: level, Controller: "cpuset", File: file, Value: v})
			}
			parent[file] = v
		}
	}
	return ws, nil
}

func (d *V1) Plan(r Resources) ([]Write, error) {
	var ws []Write
	add := func(ctrl, file, value string, optional bool) error {
		if _, ok := d.byCtrl[ctrl]; !ok {
			return fmt.Errorf("%s needs the %s controller: %w", file, ctrl, ErrNoController)
		}
		ws = append(ws, Write{Controller: ctrl, File: file, Value: value, Optional: optional})
		return nil
	}
	if r.Memory > 0 {
		// memory first: the kernel refuses memsw below memory.
		if err := add("memory", "memory.limit_in_bytes", strconv.FormatInt(r.Memory, 10), false); err != nil {
			return nil, err
		}
		memsw := "-1"
		if s := r.swapBytes(); s >= 0 {
			memsw = strconv.FormatInt(r.Memory+s, 10)
		}
		// Absent when the kernel runs without swap accounting
		// (swapaccount=0); then there is no way to forbid swap per cgroup.
		add("memory", "memory.memsw.limit_in_bytes", memsw, true)
	}
	if r.MemorySwappiness != nil {
		if err := add("memory", "memory.swappiness", strconv.FormatInt(*r.MemorySwappiness, 10), false); err != nil {
			return nil, err
		}
	}
	if r.NanoCPUs > 0 || r.CPUPeriod > 0 {
		q, p := r.quota()
		if err := add("cpu", "cpu.cfs_period_us", strconv.FormatUint(p, 10), false); err != nil {
			return nil, err
		}
		if r.NanoCPUs > 0 {
			add("cpu", "cpu.cfs_quota_us", strconv.FormatInt(q, 10), false)
		}
	}
	if r.CPUShares > 0 {
		if err := add("cpu", "cpu.shares", strconv.FormatUint(r.CPUShares, 10), false); err != nil {
			return nil, err
		}
	}
	if r.PidsLimit != 0 {
		if err := add("pids", "pids.max", pidsValue(r.PidsLimit), false); err != nil {
			return nil, err
		}
	}
	if r.CpusetCpus != "" {
		if err := add("cpuset", "cpuset.cpus", r.CpusetCpus, false); err != nil {
			return nil, err
		}
	}
	if r.CpusetMems != "" {
		if err := add("cpuset", "cpuset.mems", r.CpusetMems, false); err != nil {
			return nil, err
		}
	}
	return ws, nil
}

func pidsValue(n int64) string {
	if n < 0 {
		return "max"
	}
	return strconv.FormatInt(n, 10)
}

// Join writes the PID into cgroup.procs of every hierarchy: on v1 a
// process belongs to one cgroup per hierarchy.
func (d *V1) Join(pid int) []Write {
	ws := make([]Write, len(d.hs))
	for i, h := range d.hs {
		ws[i] = Write{Controller: h.Controllers[0], File: "cgroup.procs", Value: strconv.Itoa(pid)}
	}
	return ws
}

func (d *V1) Freeze(frozen bool) []Write {
	v := Thawed
	if frozen {
		v = Frozen
	}
	return []Write{{Controller: "freezer", File: "freezer.state", Value: string(v)}}
}

func (d *V1) FreezeState(name string) (FreezerState, error) {
	dir, err := d.Dir(name, "freezer")
	if err != nil {
		return "", err
	}
	s, err := readString(dir, "freezer.state")
	return FreezerState(s), err
}

func (d *V1) Stats(name string) (*Stats, error) {
	if dir := filepath.Join(d.hs[0].Mountpoint, name); !exists(dir) {
		return nil, fmt.Errorf("cgroup %s: %w", dir, fs.ErrNotExist)
	}
	st := &Stats{}
	var errs []error
	read := func(ctrl string, f func(r *statReader)) {
		if dir, err := d.Dir(name, ctrl); err == nil {
			r := &statReader{dir: dir}
			f(r)
			errs = append(errs, r.err)
		}
	}
	read("memory", func(r *statReader) {
		m := &st.Memory
		m.Usage = r.uint("memory.usage_in_bytes")
		m.Peak = r.uint("memory.max_usage_in_bytes")
		m.Limit = r.limit("memory.limit_in_bytes")
		m.SwapLimit = r.limit("memory.memsw.limit_in_bytes")
		// memory+swap is charged first: with swap off its counter trips.
		m.Max = r.uint("memory.failcnt") + r.uint("memory.memsw.failcnt")
		m.OOMKill = r.keyed("memory.oom_control")["oom_kill"]
		m.OOM = m.OOMKill
	})
	read("cpu", func(r *statReader) {
		c := &st.CPU
		s := r.keyed("cpu.stat")
		c.Periods, c.Throttled, c.ThrottledNS = s["nr_periods"], s["nr_throttled"], s["throttled_time"]
		c.QuotaUS = r.limit("cpu.cfs_quota_us")
		c.PeriodUS = r.uint("cpu.cfs_period_us")
		c.Shares = r.uint("cpu.shares")
	})
	read("cpuacct", func(r *statReader) {
		c := &st.CPU
		c.UsageNS = r.uint("cpuacct.usage")
		c.UserNS = r.uint("cpuacct.usage_user")
		c.SystemNS = r.uint("cpuacct.usage_sys")
	})
	read("pids", func(r *statReader) {
		st.Pids.Current = r.uint("pids.current")
		st.Pids.Limit = r.limit("pids.max")
		st.Pids.Max = r.keyed("pids.events")["max"]
	})
	read("cpuset", func(r *statReader) {
		c := &st.Cpuset
		c.Cpus, c.Mems = r.str("cpuset.cpus"), r.str("cpuset.mems")
		c.EffectiveCpus, c.EffectiveMems = r.str("cpuset.effective_cpus"), r.str("cpuset.effective_mems")
	})
	read("freezer", func(r *statReader) { st.Freeze = FreezerState(r.str("freezer.state")) })
	procs, err := readProcs(filepath.Join(d.hs[0].Mountpoint, name))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		errs = append(errs, err)
	}
	st.Procs = procs
	return st, errors.Join(errs...)
}

// exists reports whether dir exists.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
