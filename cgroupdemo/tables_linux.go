package cgroupdemo

import (
	"fmt"
	"time"

	"github.com/vitro-dev/vitro/internal/table"
)

// The layout of each demo's result for people, as vitro cgroup and the
// lessons print it: what was measured, then the writes as shell commands.

// writes lists the shell equivalents of the demo's cgroup writes.
func (c *Common) writes() table.Table {
	return table.Commands("What vitro wrote, as shell commands:", c.Writes)
}

// measured is a two-column table of what a demo measured, under the mode
// and the cgroup, then its writes. A non-empty note is a last row.
func (c *Common) measured(note string, rows ...[2]string) []table.Table {
	rows = append([][2]string{{"cgroup mode", c.Mode}, {"cgroup", c.Cgroup}}, rows...)
	if note != "" {
		rows = append(rows, [2]string{"note", note})
	}
	return []table.Table{table.KV([2]string{"measured", "value"}, rows...), c.writes()}
}

// Tables lays the memory demo out: the limit, the peak, the OOM kill.
func (r *MemoryResult) Tables() []table.Table {
	ended := fmt.Sprintf("exited with status %d (never reached the limit)", r.ExitCode)
	if r.Killed {
		ended = "killed by " + r.Signal
	}
	return r.measured(r.Note,
		[2]string{"limit written", r.LimitFile + " = " + r.LimitWritten},
		[2]string{"limit read back", fmt.Sprintf("%d (%s)", r.Limit, FormatBytes(r.Limit))},
		[2]string{"child touched", fmt.Sprintf("%s of %s, %s at a time", FormatBytes(r.Touched), FormatBytes(r.Alloc), FormatBytes(r.Step))},
		[2]string{"peak usage", fmt.Sprintf("%d (%s) from %s", r.Peak, FormatBytes(int64(r.Peak)), r.PeakFile)},
		[2]string{"times the limit was hit", fmt.Sprint(r.MaxEvents)},
		[2]string{"OOM kills", fmt.Sprintf("%d (oom_kill in %s)", r.OOMKills, r.EventsFile)},
		[2]string{"child", ended},
	)
}

// Tables lays the CPU quota demo out: quota, CPU time, throttling.
func (r *CPUResult) Tables() []table.Table {
	return r.measured("",
		[2]string{"--cpus", r.CPUs},
		[2]string{"quota / period read back", fmt.Sprintf("%dµs every %dµs", r.QuotaUS, r.PeriodUS)},
		[2]string{"wall time", secs(r.WallNS)},
		[2]string{"CPU time used", secs(int64(r.UsageNS))},
		[2]string{"measured share", fmt.Sprintf("%.1f%% of one CPU (limit %s CPUs)", 100*r.Share, r.CPUs)},
		[2]string{"periods", fmt.Sprint(r.Periods)},
		[2]string{"throttled periods", fmt.Sprintf("%d (nr_throttled)", r.Throttled)},
		[2]string{"throttled time", secs(int64(r.ThrottledNS))},
	)
}

// Tables lays the shares demo out: each child's weight and CPU time, and
// the measured ratio beside the weights'.
func (r *SharesResult) Tables() []table.Table {
	t := table.Table{
		Title:  fmt.Sprintf("Both children pinned to CPU %d for %s (mode %s):", r.CPU, secs(r.WallNS), r.Mode),
		Header: []string{"cgroup", "cpu.shares", "cpu.weight", "cpu time", "share of the CPU"},
	}
	for _, ch := range r.Children {
		weight := "-"
		if ch.Weight > 0 {
			weight = fmt.Sprint(ch.Weight)
		}
		t.Append(ch.Cgroup, fmt.Sprint(ch.Shares), weight, secs(int64(ch.UsageNS)), fmt.Sprintf("%.0f%%", 100*ch.Share))
	}
	return []table.Table{t,
		table.Text("Measured ratio %.2f : 1; the weights say %.2f : 1.", r.Measured, r.Expected),
		r.writes()}
}

// Tables lays the pids demo out: the forks tried, made and refused.
func (r *PidsResult) Tables() []table.Table {
	return r.measured(r.Note,
		[2]string{"pids.max read back", fmt.Sprint(r.Max)},
		[2]string{"forks attempted", fmt.Sprint(r.Forks)},
		[2]string{"forks that succeeded", fmt.Sprint(r.Forked)},
		[2]string{"forks failed with EAGAIN", fmt.Sprint(r.EAGAIN)},
		[2]string{"other fork errors", fmt.Sprint(r.OtherErrors)},
		[2]string{"pids.current", fmt.Sprintf("%d (the child's %d threads + %d processes)", r.Current, r.ChildThreads, r.Forked)},
		[2]string{"pids.events max", fmt.Sprint(r.MaxEvents)},
	)
}

// Tables lays the cpuset demo out: the CPUs written, and those the child
// is allowed as it sees them.
func (r *CpusetResult) Tables() []table.Table {
	return r.measured("",
		[2]string{"CPUs available", r.Available},
		[2]string{"cpuset.cpus read back", r.Cpus},
		[2]string{"effective CPUs", r.EffectiveCpus},
		[2]string{"child's Cpus_allowed_list", r.ChildAllowed},
		[2]string{"child's sched_getaffinity", r.ChildAffinity},
	)
}

// Tables lays the freeze demo out: per phase, the state read back and
// how far the child counted.
func (r *FreezeResult) Tables() []table.Table {
	t := table.Table{
		Title:  fmt.Sprintf("cgroup %s (mode %s), frozen through %s:", r.Cgroup, r.Mode, r.File),
		Header: []string{"phase", "state read back", "child counted", "during", "counter"},
	}
	for _, p := range r.Phases {
		t.Append(p.Phase, string(p.State), fmt.Sprint(p.Counted), secs(p.WallNS), fmt.Sprint(p.Counter))
	}
	return []table.Table{t, r.writes()}
}

// secs shows nanoseconds as seconds with two decimals: "1.50s".
func secs(ns int64) string { return fmt.Sprintf("%.2fs", time.Duration(ns).Seconds()) }
