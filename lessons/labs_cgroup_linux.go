package lessons

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/vitro-dev/vitro/cgroupdemo"
)

// The cgroups lab: a memory limit, and the OOM killer enforcing it. The
// cgroup lives under vitro/labs/, named for the student.

const oomLimit = 32 << 20

func init() {
	registerLab(&Lab{
		ID: "cgroup-oom", Title: "Limit a process to 32 MiB and watch it be OOM-killed", Lesson: "cgroups",
		Vars: func(e *LabEnv) (map[string]string, error) {
			name := "vitro/labs/" + e.Student.Prefix() + "oom"
			if e.Student.example { // the web docs show a hybrid host, like docker's default hosts
				return map[string]string{"Cgroup": name, "CgroupDir": "/sys/fs/cgroup/memory/" + name, "Mode": "hybrid",
					"Limit": strconv.Itoa(oomLimit), "LimitFile": "memory.limit_in_bytes", "Events": "memory.oom_control"}, nil
			}
			d, err := cgroupdemo.Detect(cgroupdemo.DefaultRoot)
			if err != nil {
				return nil, err
			}
			dir, err := d.Dir(name, "memory")
			if err != nil {
				return nil, fmt.Errorf("cgroup-oom needs the memory controller: %w", err)
			}
			v := map[string]string{"Cgroup": name, "CgroupDir": dir, "Mode": d.Mode().String(),
				"Limit": strconv.Itoa(oomLimit), "LimitFile": "memory.limit_in_bytes", "Events": "memory.oom_control"}
			if d.Mode() == cgroupdemo.Unified {
				v["LimitFile"], v["Events"] = "memory.max", "memory.events"
			}
			return v, nil
		},
		Task: `This host's cgroups are **{{.Mode}}**; the memory controller's files for your
cgroup will be in ` + "`{{.CgroupDir}}`" + `.

1. Make that cgroup (it is a directory).
2. Limit it to 32 MiB: write ` + "`32M`" + ` into ` + "`{{.LimitFile}}`" + `.
3. Move a shell into it (write its PID into ` + "`cgroup.procs`" + `) and, from that shell,
   run something that eats memory, such as ` + "`tail /dev/zero`" + ` (it keeps reading,
   looking for a newline that never comes).
4. Watch the kernel kill it: ` + "`{{.Events}}`" + ` counts the OOM kills.`,
		Solution: `mkdir -p {{.CgroupDir}}
echo 32M > {{.CgroupDir}}/{{.LimitFile}}
sh -c 'echo $$ > {{.CgroupDir}}/cgroup.procs; exec tail /dev/zero'    # Killed
grep oom_kill {{.CgroupDir}}/{{.Events}}`,
		Checks: []Check{
			cgroupExists("memory"),
			{Name: "its memory limit is 32 MiB",
				Hint: "echo 32M > {{.CgroupDir}}/{{.LimitFile}}",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					v := readTrim(filepath.Join(e.Vars["CgroupDir"], e.Vars["LimitFile"]))
					if v == "" {
						return "cannot read " + e.Vars["LimitFile"], false, nil
					}
					n, err := strconv.ParseInt(v, 10, 64)
					if err != nil || n >= 1<<62 {
						return e.Vars["LimitFile"] + " says unlimited (" + v + ")", false, nil
					}
					return fmt.Sprintf("%s = %d (%s)", e.Vars["LimitFile"], n, cgroupdemo.FormatBytes(n)), n == oomLimit, nil
				}},
			{Name: "the OOM killer killed a process in it",
				Hint: "put a shell in the cgroup (echo $$ > {{.CgroupDir}}/cgroup.procs) and run tail /dev/zero from it; if the host swaps, also forbid swap ({{if eq .Mode \"v2\"}}memory.swap.max = 0{{else}}memory.memsw.limit_in_bytes = 32M{{end}})",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					kills := -1
					for _, l := range strings.Split(readTrim(filepath.Join(e.Vars["CgroupDir"], e.Vars["Events"])), "\n") {
						if f := strings.Fields(l); len(f) == 2 && f[0] == "oom_kill" {
							kills = atoi(f[1])
						}
					}
					if kills < 0 {
						return "no oom_kill counter in " + e.Vars["Events"], false, nil
					}
					return fmt.Sprintf("%s: oom_kill %d", e.Vars["Events"], kills), kills > 0, nil
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
			if err := cg.Set(cgroupdemo.Resources{Memory: oomLimit}); err != nil {
				return err
			}
			procs := filepath.Join(e.Vars["CgroupDir"], "cgroup.procs")
			pid, err := e.spawn(ctx, 0, "hog", procs)
			if err != nil {
				return err
			}
			return waitFor(ctx, func() bool { return !alive(pid) }, "the memory hog (PID %d) to be killed", pid)
		},
		Teardown: cgroupTeardown,
		Residue:  cgroupResidue,
	})

	// hog PROCS: join the cgroup by writing our PID into PROCS.
	helpers["hog"] = func(a []string) error {
		return os.WriteFile(a[0], []byte(strconv.Itoa(os.Getpid())), 0)
	}
	// Then touch memory, a MiB at a time, until the kernel kills us (or
	// give up at 8 × the limit, which no limit that works allows).
	afterReady["hog"] = func() error {
		var keep [][]byte
		for i := 0; i < 8*oomLimit>>20; i++ {
			b := make([]byte, 1<<20)
			for j := range b {
				b[j] = byte(j)
			}
			keep = append(keep, b)
		}
		return fmt.Errorf("touched %d MiB without being killed", len(keep))
	}
}

// cgroupTeardown kills the processes in the lab's cgroup and removes it
// from every hierarchy. Not cgroupdemo.Open: a student may have made the
// cgroup in one hierarchy only, and Open wants it in every one.
func cgroupTeardown(_ context.Context, e *LabEnv) ([]string, error) {
	d, err := cgroupdemo.Detect(cgroupdemo.DefaultRoot)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, dir := range d.Dirs(e.Vars["Cgroup"]) {
		if _, err := os.Stat(dir); err != nil {
			continue
		}
		for _, pid := range strings.Fields(readTrim(filepath.Join(dir, "cgroup.procs"))) {
			if killPID(atoi(pid)) {
				out = append(out, "process "+pid+" (in the lab's cgroup)")
			}
		}
		if err := rmdirRetry(dir); err != nil {
			return out, err
		}
		out = append(out, "cgroup "+dir)
	}
	// The shared parent goes when the last student's cgroup has.
	for _, dir := range d.Dirs("vitro/labs") {
		os.Remove(dir)
	}
	return out, nil
}

// cgroupResidue says whether the lab's cgroup is still there.
func cgroupResidue(e *LabEnv) []string {
	if _, err := os.Stat(e.Vars["CgroupDir"]); err == nil {
		return []string{"cgroup " + e.Vars["CgroupDir"]}
	}
	return nil
}

// rmdirRetry removes an empty cgroup, retrying while its last tasks exit
// (the kernel answers EBUSY until they are gone).
//
// Shell equivalent: rmdir DIR
func rmdirRetry(dir string) error {
	var err error
	for i := 0; i < 500; i++ {
		if err = os.Remove(dir); err == nil || os.IsNotExist(err) {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("rmdir %s: %w", dir, err)
}

// cgroupExists is the first check of the cgroup labs: the student's
// cgroup directory is there (on v2 with controller enabled in its parents).
func cgroupExists(controller string) Check {
	return Check{Name: "the cgroup {{.Cgroup}} exists",
		Hint: "mkdir -p {{.CgroupDir}} (on cgroup v2, enable the " + controller + " controller in each parent first: echo +" + controller + " > cgroup.subtree_control)",
		Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
			if st, err := os.Stat(e.Vars["CgroupDir"]); err == nil && st.IsDir() {
				return e.Vars["CgroupDir"], true, nil
			}
			return "no directory " + e.Vars["CgroupDir"], false, nil
		}}
}
