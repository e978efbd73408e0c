package lessons

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/vitro-dev/vitro/cgroupdemo"
)

// The cgroups lab: a memory limit, and the OOM killer enforcing it. The
// cgroup lives under vitro/labs/, named for the student.

const oomLimit = 32 << 20

func init() {
	registerLab(&Lab{
		ID: "cgroup-oom", Title: "Limit a process to 32 MiB and watch it be OOM-killed", Lesson: "cgroups",
		Vars: func(e *LabEnv) (map[string]string, error) {
			d, err := cgroupdemo.Detect(cgroupdemo.DefaultRoot)
			if err != nil {
				return nil, err
			}
			name := "vitro/labs/" + e.Student.Prefix() + "oom"
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
			{Name: "the cgroup {{.Cgroup}} exists",
				Hint: "mkdir -p {{.CgroupDir}} (on cgroup v2, the memory controller must also be enabled for it: echo +memory > cgroup.subtree_control of each parent)",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					if st, err := os.Stat(e.Vars["CgroupDir"]); err == nil && st.IsDir() {
						return e.Vars["CgroupDir"], true, nil
					}
					return "no directory " + e.Vars["CgroupDir"], false, nil
				}},
			{Name: "its memory limit is 32 MiB",
				Hint: "echo 32M > {{.CgroupDir}}/{{.LimitFile}}",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					st, err := e.oomStats()
					if err != nil {
						return "cannot read its files: " + err.Error(), false, nil
					}
					if st.Memory.Limit < 0 {
						return e.Vars["LimitFile"] + " says unlimited", false, nil
					}
					return fmt.Sprintf("%s = %d (%s)", e.Vars["LimitFile"], st.Memory.Limit, cgroupdemo.FormatBytes(st.Memory.Limit)), st.Memory.Limit == oomLimit, nil
				}},
			{Name: "the OOM killer killed a process in it",
				Hint: "put a shell in the cgroup (echo $$ > {{.CgroupDir}}/cgroup.procs) and run tail /dev/zero from it; if the host swaps, also forbid swap ({{if eq .Mode \"v2\"}}memory.swap.max = 0{{else}}memory.memsw.limit_in_bytes = 32M{{end}})",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					st, err := e.oomStats()
					if err != nil {
						return "cannot read its files: " + err.Error(), false, nil
					}
					return fmt.Sprintf("oom_kill %d, peak %s", st.Memory.OOMKill, cgroupdemo.FormatBytes(int64(st.Memory.Peak))), st.Memory.OOMKill > 0, nil
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
			pid, err := e.spawn(ctx, 0, nil, "hog", procs)
			if err != nil {
				return err
			}
			return waitFor(ctx, func() bool { return !alive(pid) }, "the memory hog (PID %d) to be killed", pid)
		},
		Teardown: func(_ context.Context, e *LabEnv) ([]string, error) {
			d, err := cgroupdemo.Detect(cgroupdemo.DefaultRoot)
			if err != nil {
				return nil, err
			}
			var out []string
			if _, err := os.Stat(e.Vars["CgroupDir"]); err == nil {
				cg, err := cgroupdemo.Open(d, e.Vars["Cgroup"])
				if err != nil {
					return nil, err
				}
				if err := cg.KillAndRemove(); err != nil {
					return nil, fmt.Errorf("removing cgroup %s: %w", e.Vars["Cgroup"], err)
				}
				out = append(out, "cgroup "+e.Vars["Cgroup"])
			}
			// The shared parent goes when the last student's cgroup has.
			for _, dir := range d.Dirs("vitro/labs") {
				os.Remove(dir)
			}
			return out, nil
		},
		Residue: func(e *LabEnv) []string {
			if _, err := os.Stat(e.Vars["CgroupDir"]); err == nil {
				return []string{"cgroup " + e.Vars["CgroupDir"]}
			}
			return nil
		},
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

func (e *LabEnv) oomStats() (*cgroupdemo.Stats, error) {
	d, err := cgroupdemo.Detect(cgroupdemo.DefaultRoot)
	if err != nil {
		return nil, err
	}
	cg, err := cgroupdemo.Open(d, e.Vars["Cgroup"])
	if err != nil {
		return nil, err
	}
	return cg.Stats()
}
