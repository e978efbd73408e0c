package cmd

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/vitro-dev/vitro/internal/testenv"
)

func TestCgroupBadValuesNameAcceptedForms(t *testing.T) {
	cases := []struct{ args, want []string }{
		{[]string{"memory", "--limit", "12xb"}, []string{`"12xb"`, "64m", "1g"}},
		{[]string{"memory", "--limit", "1k"}, []string{"1KiB", "minimum", "6m"}},
		{[]string{"cpu", "--cpus", "0"}, []string{`"0"`, "0.5"}},
		{[]string{"cpu", "--cpus", "4096"}, []string{"4096", "as there are only"}},
		{[]string{"cpu", "--shares", "1"}, []string{"cpu-shares 1", "262144"}},
		{[]string{"pids", "--max", "-3"}, []string{"-3", "1 to 4096"}},
		{[]string{"cpuset", "--cpus", "x"}, []string{`"x"`, "0-2"}},
	}
	for _, c := range cases {
		_, stderr, code := run(t, append([]string{"cgroup"}, c.args...)...)
		if code != ExitVitro {
			t.Errorf("vitro cgroup %s: exit %d, want 125", strings.Join(c.args, " "), code)
		}
		for _, w := range c.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("vitro cgroup %s: stderr %q lacks %q", strings.Join(c.args, " "), stderr, w)
			}
		}
	}
}

func TestCgroupCpusetOfMissingCPU(t *testing.T) {
	testenv.RequirePrivileged(t)
	_, stderr, code := run(t, "cgroup", "cpuset", "--cpus", "4095")
	if code != ExitVitro || !strings.Contains(stderr, "CPU 4095 does not exist") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestCgroupPidsJSON(t *testing.T) {
	testenv.RequirePrivileged(t)
	out, stderr, code := run(t, "cgroup", "pids", "--max", "12", "--forks", "30", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res struct {
		Max     int64    `json:"max"`
		EAGAIN  int      `json:"eagain"`
		Current uint64   `json:"current"`
		Writes  []string `json:"writes"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if res.Max != 12 || res.EAGAIN == 0 || res.Current > 12 {
		t.Errorf("pids demo: %+v", res)
	}
	found := false
	for _, w := range res.Writes {
		found = found || (strings.HasPrefix(w, "echo 12 > ") && strings.HasSuffix(w, "/pids.max"))
	}
	if !found {
		t.Errorf("writes %q lack the shell equivalent of pids.max", res.Writes)
	}
}

func TestCgroupPlanShowsBothLayouts(t *testing.T) {
	out, stderr, code := run(t, "cgroup", "plan", "-m", "64m", "--cpus", "0.5", "--format", "{{.layout}} {{.shell}}")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"v1 echo 67108864 > /sys/fs/cgroup/memory/vitro/web/memory.limit_in_bytes",
		"v1 echo 50000 > /sys/fs/cgroup/cpu,cpuacct/vitro/web/cpu.cfs_quota_us",
		"v1 mkdir -p /sys/fs/cgroup/cpuset/vitro/web",
		"v1 cat /sys/fs/cgroup/cpuset/vitro/cpuset.mems > /sys/fs/cgroup/cpuset/vitro/web/cpuset.mems",
		"v2 echo '+cpu +cpuset +memory +pids' > /sys/fs/cgroup/vitro/cgroup.subtree_control",
		"v2 echo 67108864 > /sys/fs/cgroup/vitro/web/memory.max",
		"v2 echo '50000 100000' > /sys/fs/cgroup/vitro/web/cpu.max",
		"v2 echo $PID > /sys/fs/cgroup/vitro/web/cgroup.procs",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
}
