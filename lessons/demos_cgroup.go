package lessons

import (
	"context"
	"fmt"

	"github.com/vitro-dev/vitro/cgroupdemo"
)

// Live steps from cgroupdemo: each makes a throwaway cgroup under vitro/,
// makes a limit bite, and reports numbers read from the cgroup's files.

func init() {
	register(Demo{Name: "cgroup.memory", Summary: "a child touches memory past its cgroup's limit until the kernel OOM-kills it",
		Command: "vitro cgroup memory --limit 32M", Run: runCgroupMemory,
		Shell: "mkdir /sys/fs/cgroup/memory/demo      # v2: /sys/fs/cgroup/demo, memory.max\necho 32M > /sys/fs/cgroup/memory/demo/memory.limit_in_bytes\nsh -c 'echo $$ > /sys/fs/cgroup/memory/demo/cgroup.procs; exec tail /dev/zero'   # Killed\ngrep oom_kill /sys/fs/cgroup/memory/demo/memory.oom_control"})
	register(Demo{Name: "cgroup.cpu", Summary: "a busy child held to half a CPU by a CFS quota; the kernel counts the throttling",
		Command: "vitro cgroup cpu --cpus 0.5", Run: runCgroupCPU,
		Shell: "mkdir /sys/fs/cgroup/cpu/demo         # v2: echo '50000 100000' > cpu.max\necho 100000 > /sys/fs/cgroup/cpu/demo/cpu.cfs_period_us\necho 50000 > /sys/fs/cgroup/cpu/demo/cpu.cfs_quota_us\nsh -c 'echo $$ > /sys/fs/cgroup/cpu/demo/cgroup.procs; while :; do :; done' &\ngrep throttled /sys/fs/cgroup/cpu/demo/cpu.stat"})
	register(Demo{Name: "cgroup.pids", Summary: "a child tries more forks than pids.max allows; the extra ones fail with EAGAIN",
		Command: "vitro cgroup pids --max 16", Run: runCgroupPids,
		Shell: "mkdir /sys/fs/cgroup/pids/demo\necho 16 > /sys/fs/cgroup/pids/demo/pids.max\nsh -c 'echo $$ > /sys/fs/cgroup/pids/demo/cgroup.procs; for i in $(seq 40); do sleep 5 & done'   # fork: Resource temporarily unavailable"})
	register(Demo{Name: "cgroup.freeze", Summary: "a counting child frozen and thawed: what docker pause does",
		Command: "vitro cgroup freeze", Run: runCgroupFreeze,
		Shell: "echo FROZEN > /sys/fs/cgroup/freezer/demo/freezer.state   # v2: echo 1 > cgroup.freeze\necho THAWED > /sys/fs/cgroup/freezer/demo/freezer.state   # v2: echo 0 > cgroup.freeze"})
}

func cgOptions() cgroupdemo.Options { return cgroupdemo.Options{} }

func runCgroupMemory(ctx context.Context, o Options) (Result, error) {
	limit, err := cgroupdemo.ParseBytes(o.String("limit", "32M"))
	if err != nil {
		return nil, err
	}
	r, err := cgroupdemo.MemoryDemo(ctx, cgOptions(), cgroupdemo.MemoryConfig{Limit: limit})
	if err != nil {
		return nil, err
	}
	m := measure("cgroup.memory", r)
	m.fact(r.Limit == limit, "the limit reads back as written", "%s = %d", r.LimitFile, r.Limit)
	m.fact(r.OOMKills >= 1, "the kernel's OOM killer killed in the cgroup", "oom_kill = %d", r.OOMKills)
	m.fact(r.Killed && r.Signal == "SIGKILL", "the child died of SIGKILL", "%s", endedBy(r.Killed, r.Signal, r.ExitCode))
	m.fact(r.Peak <= uint64(limit)+(1<<20), "usage never went past the limit", "peak %s, limit %s", cgroupdemo.FormatBytes(int64(r.Peak)), cgroupdemo.FormatBytes(limit))
	return m, nil
}

func endedBy(killed bool, sig string, code int) string {
	if killed {
		return "signal " + sig
	}
	return fmt.Sprintf("exit status %d", code)
}

func runCgroupCPU(ctx context.Context, o Options) (Result, error) {
	nano, err := cgroupdemo.ParseCPUs(o.String("cpus", "0.5"))
	if err != nil {
		return nil, err
	}
	secs, err := o.Int("seconds", 2)
	if err != nil {
		return nil, err
	}
	// UntilThrottled: on a loaded machine the child may get less than its
	// quota anyway; measuring until the kernel has throttled it keeps the
	// step's promise about the mechanism, not about timing.
	r, err := cgroupdemo.CPUDemo(ctx, cgOptions(), cgroupdemo.CPUConfig{NanoCPUs: nano, Seconds: float64(secs), UntilThrottled: 3})
	if err != nil {
		return nil, err
	}
	m := measure("cgroup.cpu", r)
	wantQuota := nano * int64(r.PeriodUS) / 1e9
	m.fact(r.QuotaUS == wantQuota, "the quota reads back as --cpus × period", "quota %d µs, period %d µs", r.QuotaUS, r.PeriodUS)
	m.fact(r.Throttled > 0, "the kernel throttled the busy child", "nr_throttled = %d of %d periods", r.Throttled, r.Periods)
	return m, nil
}

func runCgroupPids(ctx context.Context, o Options) (Result, error) {
	max, err := o.Int("max", 16)
	if err != nil {
		return nil, err
	}
	r, err := cgroupdemo.PidsDemo(ctx, cgOptions(), cgroupdemo.PidsConfig{Max: int64(max)})
	if err != nil {
		return nil, err
	}
	m := measure("cgroup.pids", r)
	m.fact(r.Max == int64(max), "pids.max reads back as written", "pids.max = %d", r.Max)
	m.fact(r.EAGAIN > 0 && r.Forked < r.Forks, "forks past the limit failed with EAGAIN", "%d of %d refused", r.EAGAIN, r.Forks)
	m.fact(r.Current <= uint64(r.Max), "the cgroup never held more tasks than pids.max", "pids.current = %d", r.Current)
	return m, nil
}

func runCgroupFreeze(ctx context.Context, _ Options) (Result, error) {
	r, err := cgroupdemo.FreezeDemo(ctx, cgOptions(), cgroupdemo.FreezeConfig{})
	if err != nil {
		return nil, err
	}
	m := measure("cgroup.freeze", r)
	counted := map[string]uint64{}
	for _, p := range r.Phases {
		counted[p.Phase] = p.Counted
	}
	m.fact(counted["frozen"] == 0, "a frozen child makes no progress", "counted %d while frozen", counted["frozen"])
	m.fact(counted["running"] > 0 && counted["thawed"] > 0, "it runs before and after", "counted %d before, %d after", counted["running"], counted["thawed"])
	return m, nil
}
