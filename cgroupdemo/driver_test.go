package cgroupdemo

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/moby/sys/mountinfo"
)

// fake writes files into dir, making it, as the kernel would show them.
func fake(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHierarchiesFrom(t *testing.T) {
	mounts := []*mountinfo.Info{
		{Mountpoint: "/sys/fs/cgroup", FSType: "tmpfs"},
		{Mountpoint: "/sys/fs/cgroup/cpu,cpuacct", FSType: "cgroup", VFSOptions: "rw,cpuacct,cpu"},
		{Mountpoint: "/sys/fs/cgroup/memory", FSType: "cgroup", VFSOptions: "rw,memory"},
		{Mountpoint: "/sys/fs/cgroup/systemd", FSType: "cgroup", VFSOptions: "rw,xattr,name=systemd"},
		{Mountpoint: "/sys/fs/cgroup/unified", FSType: "cgroup2", VFSOptions: "rw,nsdelegate"},
		// The same memory hierarchy bind-mounted again, and a cgroup2
		// elsewhere: neither must count.
		{Mountpoint: "/sys/fs/cgroup/memory2", FSType: "cgroup", VFSOptions: "rw,memory"},
		{Mountpoint: "/run/other-cgroup2", FSType: "cgroup2", VFSOptions: "rw"},
	}
	got := hierarchiesFrom(mounts, "/sys/fs/cgroup")
	want := []Hierarchy{
		{Mountpoint: "/sys/fs/cgroup/cpu,cpuacct", Version: 1, Controllers: []string{"cpu", "cpuacct"}},
		{Mountpoint: "/sys/fs/cgroup/memory", Version: 1, Controllers: []string{"memory"}},
		{Mountpoint: "/sys/fs/cgroup/systemd", Version: 1, Name: "systemd"},
		{Mountpoint: "/sys/fs/cgroup/unified", Version: 2},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("hierarchies:\n got %+v\nwant %+v", got, want)
	}
	// The v1 driver writes to the co-mount once for cpu and cpuacct, and
	// ignores name=systemd and the cgroup2 tree.
	d, err := NewV1(Hybrid, got)
	if err != nil {
		t.Fatal(err)
	}
	if dirs := d.Dirs("vitro/x"); !reflect.DeepEqual(dirs, []string{"/sys/fs/cgroup/cpu,cpuacct/vitro/x", "/sys/fs/cgroup/memory/vitro/x"}) {
		t.Errorf("dirs = %v", dirs)
	}
	if dir, _ := d.Dir("vitro/x", "cpuacct"); dir != "/sys/fs/cgroup/cpu,cpuacct/vitro/x" {
		t.Errorf("cpuacct dir = %s", dir)
	}
	if _, err := d.Dir("vitro/x", "pids"); err == nil {
		t.Error("pids is not mounted, yet Dir found it")
	}
	if _, err := d.Plan(Resources{PidsLimit: 5}); err == nil || !strings.Contains(err.Error(), "pids") {
		t.Errorf("planning pids without the pids hierarchy: %v", err)
	}
}

var planned = Resources{Memory: 64 << 20, NanoCPUs: 5e8, CPUShares: 512, PidsLimit: 16, CpusetCpus: "0", MemorySwappiness: ptr(int64(0))}

func TestV1Plan(t *testing.T) {
	d := fakeV1(t, t.TempDir())
	ws, err := d.Plan(planned)
	if err != nil {
		t.Fatal(err)
	}
	want := []Write{
		{Controller: "memory", File: "memory.limit_in_bytes", Value: "67108864"},
		{Controller: "memory", File: "memory.memsw.limit_in_bytes", Value: "67108864", Optional: true},
		{Controller: "memory", File: "memory.swappiness", Value: "0"},
		{Controller: "cpu", File: "cpu.cfs_period_us", Value: "100000"},
		{Controller: "cpu", File: "cpu.cfs_quota_us", Value: "50000"},
		{Controller: "cpu", File: "cpu.shares", Value: "512"},
		{Controller: "pids", File: "pids.max", Value: "16"},
		{Controller: "cpuset", File: "cpuset.cpus", Value: "0"},
	}
	if !reflect.DeepEqual(ws, want) {
		t.Errorf("v1 plan:\n got %+v\nwant %+v", ws, want)
	}
	ws, _ = d.Plan(Resources{Memory: 64 << 20, MemorySwap: -1, PidsLimit: -1})
	if ws[1].Value != "-1" || ws[2].Value != "max" {
		t.Errorf("unlimited swap and pids: %+v", ws)
	}
}

func TestV2Plan(t *testing.T) {
	ws, err := NewV2(t.TempDir()).Plan(planned)
	if err != nil {
		t.Fatal(err)
	}
	want := []Write{
		{Controller: "memory", File: "memory.max", Value: "67108864"},
		{Controller: "memory", File: "memory.swap.max", Value: "0", Optional: true},
		{Controller: "cpu", File: "cpu.max", Value: "50000 100000"},
		{Controller: "cpu", File: "cpu.weight", Value: "59"},
		{Controller: "pids", File: "pids.max", Value: "16"},
		{Controller: "cpuset", File: "cpuset.cpus", Value: "0"},
	}
	if !reflect.DeepEqual(ws, want) {
		t.Errorf("v2 plan:\n got %+v\nwant %+v", ws, want)
	}
	ws, _ = NewV2("/x").Plan(Resources{Memory: 64 << 20, MemorySwap: 96 << 20})
	if ws[1].Value != "33554432" {
		t.Errorf("swap beyond memory: %+v", ws[1])
	}
}

// fakeV1 lays out a v1 tree as a hybrid host has it, with cpu and cpuacct
// co-mounted, and returns a driver over it.
func fakeV1(t *testing.T, root string) *V1 {
	t.Helper()
	var hs []Hierarchy
	for _, ctrls := range [][]string{{"cpu", "cpuacct"}, {"cpuset"}, {"freezer"}, {"memory"}, {"pids"}} {
		h := Hierarchy{Mountpoint: filepath.Join(root, strings.Join(ctrls, ",")), Version: 1, Controllers: ctrls}
		fake(t, h.Mountpoint, map[string]string{"cgroup.procs": ""})
		hs = append(hs, h)
	}
	fake(t, filepath.Join(root, "cpuset"), map[string]string{"cpuset.cpus": "0-1\n", "cpuset.mems": "0\n"})
	d, err := NewV1(Hybrid, hs)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// fakeV1Cgroup makes the files the kernel would show in a new v1 cgroup.
func fakeV1Cgroup(t *testing.T, root, name string) {
	t.Helper()
	core := map[string]string{"cgroup.procs": ""}
	fake(t, filepath.Join(root, "cpu,cpuacct", name), merge(core, map[string]string{
		"cpu.cfs_period_us": "100000\n", "cpu.cfs_quota_us": "-1\n", "cpu.shares": "1024\n",
		"cpu.stat":      "nr_periods 40\nnr_throttled 17\nthrottled_time 812345678\nnr_bursts 0\nburst_time 0\n",
		"cpuacct.usage": "2000000000\n", "cpuacct.usage_user": "1900000000\n", "cpuacct.usage_sys": "100000000\n",
	}))
	fake(t, filepath.Join(root, "cpuset", name), merge(core, map[string]string{"cpuset.cpus": "", "cpuset.mems": "", "cpuset.effective_cpus": "", "cpuset.effective_mems": ""}))
	fake(t, filepath.Join(root, "freezer", name), merge(core, map[string]string{"freezer.state": "THAWED\n"}))
	fake(t, filepath.Join(root, "memory", name), merge(core, map[string]string{
		"memory.limit_in_bytes": "9223372036854771712\n", "memory.memsw.limit_in_bytes": "9223372036854771712\n",
		"memory.usage_in_bytes": "1000\n", "memory.max_usage_in_bytes": "67108864\n", "memory.failcnt": "1234\n",
		"memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n", "memory.swappiness": "60\n",
	}))
	fake(t, filepath.Join(root, "pids", name), merge(core, map[string]string{"pids.max": "max\n", "pids.current": "3\n", "pids.events": "max 7\n"}))
}

func merge(a, b map[string]string) map[string]string {
	m := map[string]string{}
	for k, v := range a {
		m[k] = v
	}
	for k, v := range b {
		m[k] = v
	}
	return m
}

func TestV1FakeTree(t *testing.T) {
	root := t.TempDir()
	d := fakeV1(t, root)
	fakeV1Cgroup(t, root, "vitro")
	fakeV1Cgroup(t, root, "vitro/web")

	cg, err := Create(d, "vitro/web")
	if err != nil {
		t.Fatal(err)
	}
	// New cpuset cgroups got their parent's CPUs and memory nodes, at
	// both levels.
	for _, name := range []string{"vitro", "vitro/web"} {
		if got := read(t, filepath.Join(root, "cpuset", name, "cpuset.cpus")); got != "0-1" {
			t.Errorf("%s cpuset.cpus = %q, want the root's 0-1", name, got)
		}
		if got := read(t, filepath.Join(root, "cpuset", name, "cpuset.mems")); got != "0" {
			t.Errorf("%s cpuset.mems = %q", name, got)
		}
	}
	if err := cg.Set(Resources{Memory: 64 << 20, NanoCPUs: 5e8, PidsLimit: 16}); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{
		"memory/vitro/web/memory.limit_in_bytes":       "67108864",
		"memory/vitro/web/memory.memsw.limit_in_bytes": "67108864",
		"cpu,cpuacct/vitro/web/cpu.cfs_quota_us":       "50000",
		"pids/vitro/web/pids.max":                      "16",
	} {
		if got := read(t, filepath.Join(root, file)); got != want {
			t.Errorf("%s = %q, want %q", file, got, want)
		}
	}
	if err := cg.Join(4242); err != nil {
		t.Fatal(err)
	}
	for _, dir := range cg.Dirs() {
		if got := read(t, filepath.Join(dir, "cgroup.procs")); got != "4242" {
			t.Errorf("%s/cgroup.procs = %q: the PID must be written in every hierarchy", dir, got)
		}
	}
	// The log has the shell equivalents, in order.
	log := cg.Log()
	if len(log) == 0 || log[0].Shell() != "echo 0-1 > "+filepath.Join(root, "cpuset/vitro/cpuset.cpus") {
		t.Errorf("first logged write = %+v", log)
	}

	// Stats parse the v1 files.
	os.WriteFile(filepath.Join(root, "cpu,cpuacct/vitro/web/cgroup.procs"), []byte("4242\n4243\n"), 0o644)
	st, err := cg.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Memory.Limit != 67108864 || st.Memory.Peak != 67108864 || st.Memory.OOMKill != 1 || st.Memory.Max != 1234 {
		t.Errorf("memory stats = %+v", st.Memory)
	}
	if st.CPU.Throttled != 17 || st.CPU.ThrottledNS != 812345678 || st.CPU.UsageNS != 2e9 || st.CPU.QuotaUS != 50000 || st.CPU.PeriodUS != 100000 {
		t.Errorf("cpu stats = %+v", st.CPU)
	}
	if st.Pids.Current != 3 || st.Pids.Limit != 16 || st.Pids.Max != 7 {
		t.Errorf("pids stats = %+v", st.Pids)
	}
	if st.Freeze != Thawed || !reflect.DeepEqual(st.Procs, []int{4242, 4243}) {
		t.Errorf("freezer %q, procs %v", st.Freeze, st.Procs)
	}
	if ev, _ := cg.Events(); ev.OOMKill != 1 || ev.PidsMax != 7 {
		t.Errorf("events = %+v", ev)
	}

	if err := cg.Apply(d.Freeze(true)); err != nil {
		t.Fatal(err)
	}
	if s, _ := d.FreezeState("vitro/web"); s != Frozen {
		t.Errorf("freezer.state after freeze = %q", s)
	}
}

func TestV1OptionalSwap(t *testing.T) {
	root := t.TempDir()
	d := fakeV1(t, root)
	fakeV1Cgroup(t, root, "vitro")
	fakeV1Cgroup(t, root, "vitro/noswap")
	os.Remove(filepath.Join(root, "memory/vitro/noswap/memory.memsw.limit_in_bytes"))
	cg, err := Create(d, "vitro/noswap")
	if err != nil {
		t.Fatal(err)
	}
	if err := cg.Set(Resources{Memory: 64 << 20}); err != nil {
		t.Fatalf("a kernel without swap accounting must not fail the memory limit: %v", err)
	}
	log := cg.Log()
	if last := log[len(log)-1]; !last.Skipped || !strings.HasPrefix(last.Shell(), "#") {
		t.Errorf("memsw write should be logged as skipped: %+v", last)
	}
	// A write that is not optional fails, naming the file and the value.
	err = cg.Apply([]Write{{Controller: "memory", File: "memory.nonexistent", Value: "1"}})
	if err == nil || !strings.Contains(err.Error(), "memory.nonexistent") || !strings.Contains(err.Error(), `"1"`) {
		t.Errorf("write to a missing file: %v", err)
	}
}

func TestV2FakeTree(t *testing.T) {
	root := t.TempDir()
	fake(t, root, map[string]string{"cgroup.controllers": "cpuset cpu io memory hugetlb pids rdma\n", "cgroup.subtree_control": "memory\n", "cgroup.procs": "1\n"})
	// vitro's cgroup.controllers mirrors the root's subtree_control as it
	// is before Setup: only memory.
	fake(t, filepath.Join(root, "vitro"), map[string]string{"cgroup.controllers": "memory\n", "cgroup.subtree_control": "\n", "cgroup.procs": ""})
	leaf := map[string]string{
		"cgroup.procs": "", "cgroup.freeze": "0\n", "cgroup.events": "populated 1\nfrozen 0\n",
		"memory.max": "max\n", "memory.swap.max": "max\n", "memory.current": "2048\n", "memory.peak": "67100000\n",
		"memory.events": "low 0\nhigh 0\nmax 96\noom 1\noom_kill 1\noom_group_kill 0\n",
		"cpu.max":       "max 100000\n", "cpu.weight": "100\n",
		"cpu.stat": "usage_usec 1500000\nuser_usec 1400000\nsystem_usec 100000\nnr_periods 30\nnr_throttled 12\nthrottled_usec 700000\n",
		"pids.max": "max\n", "pids.current": "5\n", "pids.events": "max 9\n",
		"cpuset.cpus": "\n", "cpuset.cpus.effective": "0-1\n", "cpuset.mems.effective": "0\n",
	}
	fake(t, filepath.Join(root, "vitro/web"), leaf)
	d := NewV2(root)

	ws, err := d.Setup("vitro/web")
	if err != nil {
		t.Fatal(err)
	}
	// The root delegates what vitro uses and it has (memory already on,
	// io and the rest not wanted); vitro then has all four to give,
	// although its cgroup.controllers lists only memory before the
	// root's writes are made. One plan enables the whole chain.
	want := []Write{
		{Cgroup: ".", File: "cgroup.subtree_control", Value: "+cpu"},
		{Cgroup: ".", File: "cgroup.subtree_control", Value: "+cpuset"},
		{Cgroup: ".", File: "cgroup.subtree_control", Value: "+pids"},
		{Cgroup: "vitro", File: "cgroup.subtree_control", Value: "+cpu"},
		{Cgroup: "vitro", File: "cgroup.subtree_control", Value: "+cpuset"},
		{Cgroup: "vitro", File: "cgroup.subtree_control", Value: "+memory"},
		{Cgroup: "vitro", File: "cgroup.subtree_control", Value: "+pids"},
	}
	if !reflect.DeepEqual(ws, want) {
		t.Errorf("v2 setup:\n got %+v\nwant %+v", ws, want)
	}
	cg, err := Create(d, "vitro/web")
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(root, "vitro/cgroup.subtree_control")); got != "+pids" {
		t.Errorf("vitro/cgroup.subtree_control = %q", got)
	}
	if err := cg.Set(Resources{Memory: 64 << 20, NanoCPUs: 5e8}); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(root, "vitro/web/cpu.max")); got != "50000 100000" {
		t.Errorf("cpu.max = %q", got)
	}
	if got := read(t, filepath.Join(root, "vitro/web/memory.swap.max")); got != "0" {
		t.Errorf("memory.swap.max = %q: swap must be off for a deterministic OOM", got)
	}
	if log := cg.Log(); log[len(log)-1].Shell() != "echo '50000 100000' > "+filepath.Join(root, "vitro/web/cpu.max") {
		t.Errorf("shell equivalent = %q", log[len(log)-1].Shell())
	}
	st, err := cg.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Memory.Limit != 64<<20 || st.Memory.Peak != 67100000 || st.Memory.OOMKill != 1 || st.Memory.OOM != 1 || st.Memory.Max != 96 {
		t.Errorf("memory stats = %+v", st.Memory)
	}
	if st.CPU.UsageNS != 1.5e9 || st.CPU.Throttled != 12 || st.CPU.ThrottledNS != 7e8 || st.CPU.QuotaUS != 50000 || st.CPU.PeriodUS != 100000 {
		t.Errorf("cpu stats = %+v", st.CPU)
	}
	if st.Pids.Current != 5 || st.Pids.Limit != -1 || st.Pids.Max != 9 || st.Cpuset.EffectiveCpus != "0-1" {
		t.Errorf("pids %+v cpuset %+v", st.Pids, st.Cpuset)
	}

	if err := cg.Apply(d.Freeze(true)); err != nil {
		t.Fatal(err)
	}
	if s, _ := d.FreezeState("vitro/web"); s != Freezing {
		t.Errorf("asked to freeze, not yet frozen: state %q, want FREEZING", s)
	}
	os.WriteFile(filepath.Join(root, "vitro/web/cgroup.events"), []byte("populated 1\nfrozen 1\n"), 0o644)
	if s, _ := d.FreezeState("vitro/web"); s != Frozen {
		t.Errorf("state %q, want FROZEN", s)
	}
}

func TestRemoveTree(t *testing.T) {
	root := t.TempDir()
	d := NewV2(root)
	os.MkdirAll(filepath.Join(root, "vitro/demo/a"), 0o755)
	os.MkdirAll(filepath.Join(root, "vitro/demo/b"), 0o755)
	cg, err := Open(d, "vitro/demo")
	if err != nil {
		t.Fatal(err)
	}
	if err := cg.Remove(); err != nil {
		t.Fatal(err)
	}
	if exists(filepath.Join(root, "vitro/demo")) || !exists(filepath.Join(root, "vitro")) {
		t.Error("Remove must delete the cgroup and its children, and leave the parent")
	}
	if err := cg.Remove(); err != nil {
		t.Errorf("removing a cgroup that is gone: %v", err)
	}
	if _, err := Open(d, "vitro/demo"); err == nil {
		t.Error("Open of a removed cgroup succeeded")
	}
}

func TestValidName(t *testing.T) {
	for _, n := range []string{"vitro", "vitro/web", "vitro/test-cgroupdemo-1f/oom"} {
		if err := ValidName(n); err != nil {
			t.Error(err)
		}
	}
	for _, n := range []string{"", "/vitro", "vitro/../etc", "..", "vitro//x", "vitro/", "./vitro"} {
		if err := ValidName(n); err == nil {
			t.Errorf("ValidName(%q) accepted", n)
		}
	}
}

func TestResolveBothLayouts(t *testing.T) {
	r := Resources{Memory: 64 << 20, NanoCPUs: 5e8}
	v1 := StandardV1("/sys/fs/cgroup")
	ws, _ := v1.Plan(r)
	got, err := Resolve(v1, "vitro/web", append(ws, v1.Join(42)...))
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Shell() != "echo 67108864 > /sys/fs/cgroup/memory/vitro/web/memory.limit_in_bytes" {
		t.Errorf("v1: %s", got[0].Shell())
	}
	if got[2].Path != "/sys/fs/cgroup/cpu,cpuacct/vitro/web/cpu.cfs_period_us" {
		t.Errorf("v1 co-mount: %s", got[2].Path)
	}
	if n := len(got) - len(ws); n != 5 {
		t.Errorf("v1 join writes %d cgroup.procs files, want one per hierarchy (5)", n)
	}
	v2 := NewV2("/sys/fs/cgroup")
	ws, _ = v2.Plan(r)
	got, _ = Resolve(v2, "vitro/web", ws)
	if got[2].Shell() != "echo '50000 100000' > /sys/fs/cgroup/vitro/web/cpu.max" {
		t.Errorf("v2: %s", got[2].Shell())
	}
}

func TestWriteErrorExplains(t *testing.T) {
	cases := map[string]*WriteError{
		"no-internal-processes":       {Path: "/sys/fs/cgroup/vitro/cgroup.subtree_control", Value: "+memory", Err: syscall.EBUSY},
		"cpuset.cpus and cpuset.mems": {Path: "/sys/fs/cgroup/cpuset/vitro/x/cgroup.procs", Value: "42", Err: syscall.ENOSPC},
		"subset of the parent's":      {Path: "/sys/fs/cgroup/vitro/x/cpuset.cpus", Value: "7", Err: syscall.EINVAL},
	}
	for want, e := range cases {
		msg := e.Error()
		if !strings.Contains(msg, want) || !strings.Contains(msg, e.Path) || !strings.Contains(msg, `"`+e.Value+`"`) {
			t.Errorf("%s", msg)
		}
		if !errors.Is(e, e.Err) {
			t.Errorf("%v does not unwrap to %v", e, e.Err)
		}
	}
}
