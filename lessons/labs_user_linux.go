package lessons

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Labs for the user namespace, and for the cgroup and time namespaces.

const (
	userBase = 1000000 // the unprivileged host uid of slice 0
	// timeOffset is how far ahead the boot-time clock of the time lab runs.
	timeOffset = 7 * 24 * 3600
)

func init() {
	registerLab(&Lab{
		ID: "user-root", Title: "Root inside, nobody outside", Lesson: "user",
		Vars: func(e *LabEnv) (map[string]string, error) {
			n, err := e.Student.Slice()
			if err != nil {
				return nil, err
			}
			// Outside the data root, which other users may not be allowed
			// to enter (docker's is 0710): uid Base must reach it.
			tmp := os.TempDir()
			if e.Student.example {
				tmp = "/tmp" // the web docs do not depend on $TMPDIR
			}
			dir := filepath.Join(tmp, "vitro-user-lab-"+e.Student.dirName())
			return map[string]string{"Base": strconv.Itoa(userBase + n),
				"Shared": dir, "File": filepath.Join(dir, "made-by-root")}, nil
		},
		Setup: func(_ context.Context, e *LabEnv) error {
			if err := os.MkdirAll(e.Vars["Shared"], 0o755); err != nil {
				return err
			}
			return os.Chmod(e.Vars["Shared"], 0o1777) // anyone may create, as in /tmp
		},
		Task: `Become root without being root. As the unprivileged host user **{{.Base}}**
(` + "`setpriv --reuid={{.Base}} --regid={{.Base}} --clear-groups`" + ` makes you that
user), start a process in a new user namespace in which you are uid 0 and gid 0.
As root *inside*, create the file ` + "`{{.File}}`" + ` and keep the process running.
On the host, ` + "`ls -ln`" + ` shows who really owns the file.`,
		Solution: `{{with .Export}}{{.}}
{{end}}setpriv --reuid={{.Base}} --regid={{.Base}} --clear-groups \
    unshare --user --map-root-user sh -c 'touch {{.File}}; exec sleep infinity' &
ls -ln {{.File}}     # owner {{.Base}}, not 0`,
		Checks: []Check{
			{Name: "a process of yours has its own user namespace",
				Hint: "unshare --user ... starts one; keep it running",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					ps := e.studentProcs(func(p int) bool { return inOwnNS(p, "user") })
					if len(ps) == 0 {
						return "none", false, nil
					}
					return fmt.Sprintf("PID %d, uid_map %q", ps[0], firstLine(fmt.Sprintf("/proc/%d/uid_map", ps[0]))), true, nil
				}},
			{Name: "uid 0 inside is host uid {{.Base}}",
				Hint: "run unshare as uid {{.Base}} (setpriv --reuid={{.Base}} --regid={{.Base}} --clear-groups unshare ...) with --map-root-user: it maps uid 0 inside to the uid that ran it",
				Run:  mapCheck("uid_map"),
			},
			{Name: "gid 0 inside is host gid {{.Base}}",
				Hint: "become gid {{.Base}} too (setpriv --regid={{.Base}}): --map-root-user maps gid 0 to the gid that ran unshare, after writing deny to /proc/PID/setgroups",
				Run:  mapCheck("gid_map"),
			},
			{Name: "the file made by root inside belongs to uid {{.Base}} on the host",
				Hint: "inside the namespace, as uid 0: touch {{.File}}",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					var st unix.Stat_t
					if err := unix.Stat(e.Vars["File"], &st); err != nil {
						return "no file " + e.Vars["File"], false, nil
					}
					return fmt.Sprintf("owner uid %d, gid %d", st.Uid, st.Gid), strconv.Itoa(int(st.Uid)) == e.Vars["Base"], nil
				}},
		},
		Apply: func(ctx context.Context, e *LabEnv) error {
			base := atoi(e.Vars["Base"])
			// Not the vitro binary: once mapped, the child is uid base on the
			// host, and may not reach a binary under a private directory.
			cmd := exec.Command("/bin/sh", "-c", fmt.Sprintf("touch %s && exec sleep %d", e.Vars["File"], int(helperLifetime.Seconds())))
			cmd.SysProcAttr = &syscall.SysProcAttr{
				Cloneflags:  unix.CLONE_NEWUSER,
				Setsid:      true,
				UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: base, Size: 1}},
				GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: base, Size: 1}},
				// Writing the map does not change who the child is: it
				// must become uid 0 of the namespace itself (as unshare
				// --map-root-user does), which is host uid base.
				Credential: &syscall.Credential{Uid: 0, Gid: 0, NoSetGroups: true},
			}
			return e.startAndWait(ctx, cmd, func() bool { _, err := os.Stat(e.Vars["File"]); return err == nil })
		},
		Teardown: func(_ context.Context, e *LabEnv) ([]string, error) {
			out := killAll(e.mapped(), "user namespace mapping "+e.Vars["Base"])
			if _, err := os.Stat(e.Vars["Shared"]); err == nil {
				if err := os.RemoveAll(e.Vars["Shared"]); err != nil {
					return out, err
				}
				out = append(out, "directory "+e.Vars["Shared"])
			}
			return out, nil
		},
		Residue: func(e *LabEnv) []string {
			var left []string
			if _, err := os.Stat(e.Vars["Shared"]); err == nil {
				left = append(left, e.Vars["Shared"])
			}
			for _, p := range e.mapped() {
				left = append(left, fmt.Sprintf("process %d", p))
			}
			return left
		},
	})

	registerLab(&Lab{
		ID: "time-cgroup-ns", Title: "A week of uptime, and a cgroup that looks like the root", Lesson: "cgroupns-time",
		Vars: func(e *LabEnv) (map[string]string, error) {
			return map[string]string{"Offset": strconv.Itoa(timeOffset)}, nil
		},
		Task: `Start a process in new **time** and **cgroup** namespaces whose boot-time
clock runs exactly {{.Offset}} seconds (7 days) ahead of the host's. Keep it
running. Inside, ` + "`cat /proc/uptime`" + ` shows a week more than the host, and
` + "`cat /proc/self/cgroup`" + ` shows /.`,
		Solution: `{{with .Export}}{{.}}
{{end}}unshare --time --boottime {{.Offset}} --cgroup --fork sleep infinity &`,
		Checks: []Check{
			{Name: "a process of yours has its own time namespace",
				Hint: "unshare --time --fork ...: a time namespace, like a PID namespace, applies to the children of the process that made it",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					ps := e.studentProcs(func(p int) bool { return inOwnNS(p, "time") })
					if len(ps) == 0 {
						return "none", false, nil
					}
					return fmt.Sprintf("PID %d", ps[0]), true, nil
				}},
			{Name: "its boot-time clock is " + strconv.Itoa(timeOffset) + " s ahead",
				Hint: "the offset must be set before any process enters: unshare --time --boottime {{.Offset}} --fork ...",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					if ps := e.timeShifted(); len(ps) > 0 {
						return fmt.Sprintf("PID %d: timens_offsets says boottime %s", ps[0], e.Vars["Offset"]), true, nil
					}
					var seen []string
					for _, p := range e.studentProcs(func(p int) bool { return inOwnNS(p, "time") }) {
						seen = append(seen, strings.ReplaceAll(readTrim(fmt.Sprintf("/proc/%d/timens_offsets", p)), "\n", ", "))
					}
					return "offsets found: " + strings.Join(seen, "; "), false, nil
				}},
			{Name: "it has its own cgroup namespace",
				Hint: "add --cgroup to the same unshare",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					for _, p := range e.timeShifted() {
						if inOwnNS(p, "cgroup") {
							return fmt.Sprintf("PID %d, cgroup namespace %d", p, mustInode(p, "cgroup")), true, nil
						}
					}
					return "the time-shifted process shares the host's cgroup namespace", false, nil
				}},
		},
		Apply: func(ctx context.Context, e *LabEnv) error {
			pid, err := e.spawn(ctx, unix.CLONE_NEWCGROUP, "timens", e.Vars["Offset"])
			if err != nil {
				return err
			}
			// The helper enters the namespace at its execve, just after it
			// reported ready: wait for it.
			return waitFor(ctx, func() bool { return inOwnNS(pid, "time") }, "PID %d to enter its time namespace", pid)
		},
		Teardown: func(_ context.Context, e *LabEnv) ([]string, error) {
			return killAll(e.timeShifted(), "time namespace ahead by "+e.Vars["Offset"]+" s"), nil
		},
		Residue: func(e *LabEnv) []string {
			var left []string
			for _, p := range e.timeShifted() {
				left = append(left, fmt.Sprintf("process %d", p))
			}
			return left
		},
	})
}

// mapCheck checks that uid_map or gid_map of a student's process in a user
// namespace maps 0 to the lab's base.
func mapCheck(file string) func(context.Context, *LabEnv) (string, bool, error) {
	return func(_ context.Context, e *LabEnv) (string, bool, error) {
		var seen []string
		for _, p := range e.studentProcs(func(p int) bool { return inOwnNS(p, "user") }) {
			l := firstLine(fmt.Sprintf("/proc/%d/%s", p, file))
			f := strings.Fields(l)
			if len(f) == 3 && f[0] == "0" && f[1] == e.Vars["Base"] {
				return fmt.Sprintf("PID %d: %s %q", p, file, l), true, nil
			}
			if l == "" {
				l = "(empty: not written yet)"
			}
			seen = append(seen, l)
		}
		return fmt.Sprintf("%s found: %s", file, strings.Join(seen, "; ")), false, nil
	}
}

// mapped lists the student's processes whose uid_map starts at the lab's base.
func (e *LabEnv) mapped() []int {
	return e.studentProcs(func(p int) bool {
		f := strings.Fields(firstLine(fmt.Sprintf("/proc/%d/uid_map", p)))
		return inOwnNS(p, "user") && len(f) == 3 && f[1] == e.Vars["Base"]
	})
}

// timeShifted lists the student's processes whose boot-time offset is the lab's.
func (e *LabEnv) timeShifted() []int {
	if v, ok := e.cache["time"]; ok {
		return v.([]int)
	}
	ps := e.studentProcs(func(p int) bool {
		if !inOwnNS(p, "time") {
			return false
		}
		for _, l := range strings.Split(readTrim(fmt.Sprintf("/proc/%d/timens_offsets", p)), "\n") {
			f := strings.Fields(l)
			if len(f) == 3 && f[0] == "boottime" && f[1] == e.Vars["Offset"] {
				return true
			}
		}
		return false
	})
	e.cache["time"] = ps
	return ps
}

func readTrim(path string) string {
	b, _ := os.ReadFile(path)
	return strings.TrimSpace(string(b))
}

func firstLine(path string) string {
	l, _, _ := strings.Cut(readTrim(path), "\n")
	return strings.TrimSpace(l)
}

// startAndWait starts a plain program (not a vitro helper) for a lab,
// with the student's name in its environment, records it, and waits
// until ready() says its setup is visible.
func (e *LabEnv) startAndWait(ctx context.Context, cmd *exec.Cmd, ready func() bool) error {
	cmd.Env = append(os.Environ(), StudentEnv+"="+e.Student.Name)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", cmd.Path, err)
	}
	go cmd.Wait()
	pid := cmd.Process.Pid
	e.State.Procs = append(e.State.Procs, Proc{PID: pid, Start: startTime(pid)})
	if err := e.saveState(); err != nil {
		return err
	}
	if err := waitFor(ctx, func() bool { return ready() || !alive(pid) }, "%s to finish its setup", cmd.Path); err != nil {
		return err
	}
	if !ready() {
		return fmt.Errorf("%s %s exited before finishing its setup", cmd.Path, strings.Join(cmd.Args[1:], " "))
	}
	return nil
}

// waitFor polls cond for up to thirty seconds (a loaded machine is slow;
// nothing here measures time).
func waitFor(ctx context.Context, cond func() bool, what string, args ...any) error {
	for i := 0; i < 3000; i++ {
		if cond() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return fmt.Errorf("timed out waiting for "+what, args...)
}
