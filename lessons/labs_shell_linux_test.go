package lessons

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vitro-dev/vitro/internal/testenv"
)

// TestLabSolutionsInShell runs each lab's Solution exactly as a student
// is shown it (`vitro lab solution ID`), through sh, and then requires
// the lab's checks to pass and its reset to leave nothing behind: a
// wrong printed solution fails here even when the Go Apply is right.
func TestLabSolutionsInShell(t *testing.T) {
	testenv.RequirePrivileged(t)
	for _, l := range Labs() {
		if why, ok := notInShell[l.ID]; ok {
			t.Logf("%s: its printed solution is not run here: %s", l.ID, why)
			continue
		}
		t.Run(l.ID, func(t *testing.T) {
			runShellSolution(t, l, testStudent(t, ""))
		})
	}
}

// notInShell lists the labs whose printed solution this test cannot run,
// and why. Their Go Apply still runs in TestLabs.
var notInShell = map[string]string{
	"compare-measure": "it runs the vitro binary (not on PATH in a test) and boots a VM, minutes under TCG",
}

func runShellSolution(t *testing.T, l *Lab, st *Student) {
	ctx := context.Background()
	e, err := l.Env(st)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if e2, err := l.Env(st); err == nil {
			e2.Reset(context.Background())
		}
	})
	if _, err := e.Start(ctx); err != nil {
		t.Fatalf("start: %v", err)
	}
	if _, pass, err := e.Check(ctx); err != nil || pass {
		t.Fatalf("check before the solution: pass %v, err %v", pass, err)
	}
	text := e.Expand(l.Solution)
	if strings.Contains(text, "{{") {
		t.Fatalf("solution has an unexpanded template:\n%s", text)
	}
	log := shellRun(t, text)

	// The solution may leave its work to background processes (`... &`):
	// give them a few seconds to get there.
	var rs []CheckResult
	deadline := time.Now().Add(15 * time.Second)
	for {
		e.cache = map[string]any{}
		var pass bool
		rs, pass, err = e.Check(ctx)
		if err != nil {
			t.Fatalf("check after the solution: %v\nsolution:\n%s\noutput:\n%s", err, text, log())
		}
		if pass {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("checks fail 15s after the printed solution ran:\n%s\nsolution:\n%s\noutput:\n%s", failing(rs), text, log())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if removed, err := e.Reset(ctx); err != nil {
		t.Fatalf("reset after the shell solution: %v (removed %v)", err, removed)
	}
}

// shellRun runs script with sh in a process group of its own, waits (at
// most a minute) for sh to end, requires it to succeed (sh's status is
// its last command's: a failure earlier shows in the checks), and returns
// a function reading what it printed. Background processes the script started stay; the group is
// killed when the test ends, after the lab's reset had its chance.
func shellRun(t *testing.T, script string) func() string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "solution.out")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// A file, not a pipe: a background process keeps the pipe open, and
	// Wait would wait for it.
	c := exec.Command("sh", "-c", script)
	c.Stdout, c.Stderr = f, f
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	pgid := c.Process.Pid
	t.Cleanup(func() { syscall.Kill(-pgid, syscall.SIGKILL) })
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	read := func() string { b, _ := os.ReadFile(out); return string(b) }
	select {
	case err := <-done:
		// Every line a student pastes must work, the pings and the
		// listings that show the result included.
		if err != nil {
			t.Fatalf("the printed solution failed: sh: %v\n%s\noutput:\n%s", err, script, read())
		}
	case <-time.After(time.Minute):
		syscall.Kill(-pgid, syscall.SIGKILL)
		t.Fatalf("the solution's shell did not end within a minute:\n%s\noutput:\n%s", script, read())
	}
	return read
}

func failing(rs []CheckResult) string {
	var b strings.Builder
	for _, r := range rs {
		if !r.OK {
			b.WriteString("  ✗ " + r.Name + ": " + r.Observed + "\n")
		}
	}
	return b.String()
}
