package engine

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/vitro-dev/vitro/cgroupdemo"
	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/trace"
)

// assertInCgroup checks /proc/PID/cgroup: on pure v2 the one line is
// 0::/<name>; on v1 and hybrid the memory and pids hierarchies' lines
// end in /<name>.
func assertInCgroup(t *testing.T, pid int, name string) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		t.Fatalf("reading the cgroup of PID %d: %v", pid, err)
	}
	checkCgroupFile(t, string(b), name)
}

// checkCgroupFile checks the text of a /proc/PID/cgroup (see assertInCgroup).
func checkCgroupFile(t *testing.T, text, name string) {
	t.Helper()
	mode, err := cgroupdemo.DetectMode(cgroupdemo.DefaultRoot)
	if err != nil {
		t.Fatal(err)
	}
	if mode == cgroupdemo.Unified {
		if got := strings.TrimSpace(text); got != "0::/"+name {
			t.Errorf("/proc/PID/cgroup = %q, want 0::/%s", got, name)
		}
		return
	}
	found := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 {
			continue
		}
		for _, ctrl := range strings.Split(f[1], ",") {
			if ctrl == "memory" || ctrl == "pids" {
				found[ctrl] = true
				if f[2] != "/"+name {
					t.Errorf("in the %s hierarchy the process is in %s, want /%s", ctrl, f[2], name)
				}
			}
		}
	}
	if !found["memory"] || !found["pids"] {
		t.Errorf("/proc/PID/cgroup has no memory or pids line (%s host):\n%s", mode, text)
	}
}

// traceEvent is one line of a JSON trace.
type traceEvent struct {
	Kind, Name string
	Fields     map[string]any
}

// runTraced runs a container with a kernel-level JSON trace and returns
// the program's output and the trace's events.
func runTraced(t *testing.T, e *Engine, o RunOptions) (string, []traceEvent) {
	t.Helper()
	var tbuf bytes.Buffer
	old := trace.SetDefault(trace.New(trace.Kernel, trace.NewSink(trace.FormatJSON, &tbuf)))
	out, stderr, err := runIn(t, e, o)
	trace.Default().Close()
	trace.SetDefault(old)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, stderr)
	}
	var evs []traceEvent
	sc := bufio.NewScanner(&tbuf)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		var ev traceEvent
		if json.Unmarshal(sc.Bytes(), &ev) == nil {
			evs = append(evs, ev)
		}
	}
	return out, evs
}

// TestInitBornInItsCgroup checks how init reaches the container's cgroup:
// on pure v2 it is started there by clone3(CLONE_INTO_CGROUP) and no PID
// is written to cgroup.procs; on v1 and hybrid it is moved by a write of
// its PID to cgroup.procs. Either way the program, which init becomes,
// finds itself in vitro/<id>.
func TestInitBornInItsCgroup(t *testing.T) {
	e := testEngine(t)
	mode, err := cgroupdemo.DetectMode(cgroupdemo.DefaultRoot)
	if err != nil {
		t.Fatal(err)
	}
	out, evs := runTraced(t, e, RunOptions{Name: "cg", Network: "none", Cmd: []string{"cat", "/proc/self/cgroup"}})
	c, err := e.Get("cg")
	if err != nil {
		t.Fatal(err)
	}
	defer e.Remove("cg", true)
	checkCgroupFile(t, out, e.cgroupName(c.ID))

	var flags string
	var clone3Join, procsWrite bool
	for _, ev := range evs {
		switch ev.Name {
		case "init started":
			flags, _ = ev.Fields["clone flags"].(string)
		case "cgroup join":
			clone3Join = ev.Fields["how"] == "clone3(CLONE_INTO_CGROUP, cgroup fd)"
		case "cgroup write":
			if f, _ := ev.Fields["file"].(string); strings.HasSuffix(f, "/"+e.cgroupName(c.ID)+"/cgroup.procs") {
				procsWrite = true
			}
		}
	}
	if mode == cgroupdemo.Unified {
		if !strings.Contains(flags, "CLONE_INTO_CGROUP") || !clone3Join || procsWrite {
			t.Errorf("on pure v2: clone flags %q, clone3 join traced %v, cgroup.procs written %v; want CLONE_INTO_CGROUP, true, false", flags, clone3Join, procsWrite)
		}
	} else if strings.Contains(flags, "CLONE_INTO_CGROUP") || clone3Join || !procsWrite {
		t.Errorf("on a %s host: clone flags %q, clone3 join traced %v, cgroup.procs written %v; want no CLONE_INTO_CGROUP, false, true", mode, flags, clone3Join, procsWrite)
	}
	if err := e.Remove("cg", false); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, e)
}

// TestCloneIntoCgroupFallback plays a kernel without clone3's cgroup
// argument (or a seccomp filter that answers ENOSYS to clone3, as
// docker's default profile does): init must still start, and be moved
// into its cgroup with a cgroup.procs write.
func TestCloneIntoCgroupFallback(t *testing.T) {
	e := testEngine(t)
	mode, err := cgroupdemo.DetectMode(cgroupdemo.DefaultRoot)
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	t.Cleanup(reexec.ReplaceStart(func(cmd *exec.Cmd) error {
		if cmd.SysProcAttr != nil && cmd.SysProcAttr.UseCgroupFD {
			refused++
			return &os.PathError{Op: "fork/exec", Path: cmd.Path, Err: syscall.ENOSYS}
		}
		return cmd.Start()
	}))
	out, evs := runTraced(t, e, RunOptions{Name: "fb", Network: "none", Cmd: []string{"cat", "/proc/self/cgroup"}})
	c, err := e.Get("fb")
	if err != nil {
		t.Fatal(err)
	}
	defer e.Remove("fb", true)
	checkCgroupFile(t, out, e.cgroupName(c.ID))
	want := 0
	if mode == cgroupdemo.Unified {
		want = 1
	}
	if refused != want {
		t.Errorf("clone3 with a cgroup fd tried %d times on a %s host, want %d", refused, mode, want)
	}
	procsWrite := false
	for _, ev := range evs {
		if f, _ := ev.Fields["file"].(string); ev.Name == "cgroup write" && strings.HasSuffix(f, "/"+e.cgroupName(c.ID)+"/cgroup.procs") {
			procsWrite = true
		}
	}
	if !procsWrite {
		t.Error("after clone3 was refused, init's PID was not written to cgroup.procs")
	}
	if err := e.Remove("fb", false); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, e)
}
