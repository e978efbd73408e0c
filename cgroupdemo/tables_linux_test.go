package cgroupdemo

import (
	"testing"

	"github.com/vitro-dev/vitro/internal/table"
)

// TestTablesShowTheResult checks, for every demo result, that its tables
// carry the result's figures, so that a broken layout fails here.
func TestTablesShowTheResult(t *testing.T) {
	common := Common{Mode: "hybrid-x", Cgroup: "vitro/demo-c1", Writes: []string{"echo 7 > /sys/fs/cgroup/x/pids.max"}}
	commonFigures := []string{"hybrid-x", "vitro/demo-c1", "  $ echo 7 > /sys/fs/cgroup/x/pids.max"}
	for _, c := range []struct {
		name string
		r    interface{ Tables() []table.Table }
		want []string
	}{
		{"memory", &MemoryResult{Common: common, LimitFile: "memory.max", LimitWritten: "33554432", Limit: 33554432,
			Alloc: 4 << 25, Step: 4 << 20, Touched: 36 << 20, PeakFile: "memory.peak", Peak: 33550000, EventsFile: "memory.events",
			OOMKills: 3, MaxEvents: 77, Note: "a note n", Killed: true, Signal: "SIGKILL"},
			[]string{"memory.max = 33554432", "33554432 (32MiB)", "36MiB of 128MiB, 4MiB at a time", "33550000", "from memory.peak", "77", "3 (oom_kill in memory.events)", "killed by SIGKILL", "a note n"}},
		{"memory, not killed", &MemoryResult{Common: common, ExitCode: 5}, []string{"exited with status 5"}},
		{"cpu", &CPUResult{Common: common, CPUs: "0.5", QuotaUS: 50000, PeriodUS: 100000, WallNS: 3_010_000_000, UsageNS: 1_490_000_000,
			Share: 0.495, Periods: 31, Throttled: 29, ThrottledNS: 1_250_000_000},
			[]string{"0.5", "50000µs every 100000µs", "3.01s", "1.49s", "49.5% of one CPU", "31", "29 (nr_throttled)", "1.25s"}},
		{"shares", &SharesResult{Common: common, CPU: 3, WallNS: 2_500_000_000, Expected: 4, Measured: 3.87,
			Children: []SharesChild{{Cgroup: "vitro/a-heavy", Shares: 1024, Weight: 39, UsageNS: 2_000_000_000, Share: 0.8},
				{Cgroup: "vitro/b-light", Shares: 256, UsageNS: 500_000_000, Share: 0.2}}},
			[]string{"CPU 3 for 2.50s", "vitro/a-heavy", "1024", "39", "2.00s", "80%", "vitro/b-light", "256", "0.50s", "20%", "3.87 : 1", "4.00 : 1"}},
		{"pids", &PidsResult{Common: common, Max: 16, Forks: 40, Forked: 11, EAGAIN: 29, OtherErrors: 2, ChildThreads: 5, Current: 16, MaxEvents: 31, Note: "why n"},
			[]string{"16", "40", "11", "29", "16 (the child's 5 threads + 11 processes)", "31", "why n"}},
		{"cpuset", &CpusetResult{Common: common, Available: "0-7", Cpus: "2-3", EffectiveCpus: "2-3e", ChildAllowed: "2-3a", ChildAffinity: "2,3"},
			[]string{"0-7", "2-3", "2-3e", "2-3a", "2,3"}},
		{"freeze", &FreezeResult{Common: common, File: "cgroup.freeze",
			Phases: []FreezePhase{{Phase: "running", State: "THAWED", Counted: 1234, WallNS: 1_000_000_000, Counter: 1234},
				{Phase: "frozen", State: "FROZEN", Counted: 0, WallNS: 1_010_000_000, Counter: 1234}}},
			[]string{"frozen through cgroup.freeze", "running", "THAWED", "1234", "1.00s", "frozen", "FROZEN", "1.01s"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			want := append(c.want, commonFigures...)
			if c.name == "shares" { // its cgroups are its children's, in their rows
				want = append(c.want, common.Mode, common.Writes[0])
			}
			if miss := table.Missing(c.r.Tables(), want...); len(miss) > 0 {
				t.Errorf("tables lack %q:\n%q", miss, table.Strings(c.r.Tables()))
			}
		})
	}
}
