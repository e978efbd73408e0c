package lessons

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/vitro-dev/vitro/cgroupdemo"
)

// The second cgroups lab: a CPU quota, and the kernel throttling a busy
// loop held to it.

const (
	cpuQuota  = 25000 // µs of CPU time ...
	cpuPeriod = 100000
)

func init() {
	registerLab(&Lab{
		ID: "cgroup-cpu", Title: "Hold a busy loop to a quarter of a CPU", Lesson: "cgroups",
		Vars: func(e *LabEnv) (map[string]string, error) {
			name := "vitro/labs/" + e.Student.Prefix() + "cpu"
			v := map[string]string{"Cgroup": name, "Mode": "hybrid", "CgroupDir": "/sys/fs/cgroup/cpu/" + name,
				"Write": "echo 25000 > cpu.cfs_quota_us"}
			if e.Student.example { // the web docs show a hybrid host
				return v, nil
			}
			d, err := cgroupdemo.Detect(cgroupdemo.DefaultRoot)
			if err != nil {
				return nil, err
			}
			dir, err := d.Dir(name, "cpu")
			if err != nil {
				return nil, fmt.Errorf("cgroup-cpu needs the cpu controller: %w", err)
			}
			v["CgroupDir"], v["Mode"] = dir, d.Mode().String()
			if d.Mode() == cgroupdemo.Unified {
				v["Write"] = "echo '25000 100000' > cpu.max"
			}
			return v, nil
		},
		Task: `This host's cgroups are **{{.Mode}}**; the cpu controller's files for your cgroup
will be in ` + "`{{.CgroupDir}}`" + `.

1. Make that cgroup, and give it a quota of a quarter of a CPU: 25 ms of CPU time
   in every 100 ms period, the default (` + "`{{.Write}}`" + `).
2. Start a busy loop in it (` + "`while :; do :; done`" + ` in a shell whose PID you wrote into
   ` + "`cgroup.procs`" + `) and leave it running.
3. Watch ` + "`top`" + ` show it near 25%, and ` + "`cpu.stat`" + ` count the periods it was throttled.`,
		Solution: `mkdir -p {{.CgroupDir}}
cd {{.CgroupDir}} && {{.Write}}
sh -c 'echo $$ > {{.CgroupDir}}/cgroup.procs; while :; do :; done' &
sleep 2; grep throttled {{.CgroupDir}}/cpu.stat`,
		Checks: []Check{
			cgroupExists("cpu"),
			{Name: "its quota is a quarter of a CPU",
				Hint: "in {{.CgroupDir}}: {{.Write}}",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					q, p := readQuota(e.Vars["CgroupDir"])
					if q <= 0 || p <= 0 {
						return "no quota: the cgroup may use every CPU", false, nil
					}
					return fmt.Sprintf("%d µs every %d µs = %.2f CPU", q, p, float64(q)/float64(p)), q*4 == p, nil
				}},
			{Name: "a process runs in it",
				Hint: "sh -c 'echo $$ > {{.CgroupDir}}/cgroup.procs; while :; do :; done' &",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					ps := strings.Fields(readTrim(filepath.Join(e.Vars["CgroupDir"], "cgroup.procs")))
					if len(ps) == 0 {
						return "cgroup.procs is empty", false, nil
					}
					return "cgroup.procs: " + strings.Join(ps, " "), true, nil
				}},
			{Name: "the kernel has throttled it",
				Hint: "the process must be busy, not sleeping: a loop such as while :; do :; done spends its quota in 25 ms and waits for the next period",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					n := statField(filepath.Join(e.Vars["CgroupDir"], "cpu.stat"), "nr_throttled")
					return fmt.Sprintf("cpu.stat nr_throttled %d", n), n > 0, nil
				}},
		},
		Apply: func(ctx context.Context, e *LabEnv) error {
			d, err := cgroupdemo.Detect(cgroupdemo.DefaultRoot)
			if err != nil {
				return err
			}
			cg, err := cgroupdemo.Create(d, e.Vars["Cgroup"])
			if err != nil {
				return err
			}
			if err := cg.Set(cgroupdemo.Resources{NanoCPUs: 250_000_000, CPUPeriod: cpuPeriod}); err != nil {
				return err
			}
			if _, err := e.spawn(ctx, 0, "spin", filepath.Join(e.Vars["CgroupDir"], "cgroup.procs")); err != nil {
				return err
			}
			stat := filepath.Join(e.Vars["CgroupDir"], "cpu.stat")
			return waitFor(ctx, func() bool { return statField(stat, "nr_throttled") > 0 }, "the kernel to throttle the busy loop")
		},
		Teardown: cgroupTeardown,
		Residue:  cgroupResidue,
	})

	// spin PROCS: join the cgroup, then burn CPU until killed.
	helpers["spin"] = helpers["hog"]
	afterReady["spin"] = func() error {
		for x := uint64(0); ; x++ {
			if x == 1<<62 {
				x = 0
			}
		}
	}
}

// readQuota reads the CFS quota and period of a cgroup directory, v1
// (cpu.cfs_quota_us, cpu.cfs_period_us) or v2 (cpu.max); -1 means none.
func readQuota(dir string) (quota, period int64) {
	if f := strings.Fields(readTrim(filepath.Join(dir, "cpu.max"))); len(f) == 2 {
		if f[0] == "max" {
			return -1, -1
		}
		q, _ := strconv.ParseInt(f[0], 10, 64)
		p, _ := strconv.ParseInt(f[1], 10, 64)
		return q, p
	}
	q, err1 := strconv.ParseInt(readTrim(filepath.Join(dir, "cpu.cfs_quota_us")), 10, 64)
	p, err2 := strconv.ParseInt(readTrim(filepath.Join(dir, "cpu.cfs_period_us")), 10, 64)
	if err1 != nil || err2 != nil {
		return -1, -1
	}
	return q, p
}

// statField reads one "key value" line of a cgroup stat file.
func statField(path, key string) int64 {
	for _, l := range strings.Split(readTrim(path), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == key {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return 0
}
