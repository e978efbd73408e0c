package lessons

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vitro-dev/vitro/internal/testenv"
)

var studentSeq atomic.Int32

// testStudent returns a student unique to this test binary and call, with
// a data root in t.TempDir().
func testStudent(t *testing.T, root string) *Student {
	t.Helper()
	if root == "" {
		root = t.TempDir()
	}
	name := fmt.Sprintf("t%x%d", os.Getpid()%0xfffff, studentSeq.Add(1))
	if len(name) > 8 {
		name = "t" + name[len(name)-7:]
	}
	st, err := NewStudent(name, root)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// runLab plays a lab the way a student and the instructor would: start,
// check fails, apply the documented solution, check passes, reset leaves
// nothing behind.
func runLab(t *testing.T, l *Lab, st *Student) {
	ctx := context.Background()
	e, err := l.Env(st)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		e2, err := l.Env(st)
		if err == nil {
			e2.Reset(context.Background())
		}
	})
	task, err := e.Start(ctx)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	if strings.Contains(task, "{{") {
		t.Errorf("task has an unexpanded template: %s", task)
	}
	rs, pass, err := e.Check(ctx)
	if err != nil {
		t.Fatalf("check before: %v", err)
	}
	if pass {
		t.Fatalf("check passes before the task is done: %+v", rs)
	}
	for _, r := range rs {
		if !r.OK && (r.Hint == "" || strings.Contains(r.Hint, "{{")) {
			t.Errorf("check %q failed without a usable hint: %q", r.Name, r.Hint)
		}
	}
	if err := e.ApplySolution(ctx); err != nil {
		t.Fatalf("solution --apply: %v", err)
	}
	e.cache = map[string]any{}
	rs, pass, err = e.Check(ctx)
	if err != nil {
		t.Fatalf("check after: %v", err)
	}
	if !pass {
		t.Fatalf("check fails after the solution: %+v", rs)
	}
	removed, err := e.Reset(ctx)
	if err != nil {
		t.Fatalf("reset: %v (removed %v)", err, removed)
	}
	if len(removed) == 0 {
		t.Errorf("reset removed nothing")
	}
	for _, p := range e.State.Procs {
		if alive(p.PID) && startTime(p.PID) == p.Start {
			t.Errorf("process %d survived reset", p.PID)
		}
	}
	if _, err := os.Stat(e.Dir); !os.IsNotExist(err) {
		t.Errorf("lab directory %s survived reset", e.Dir)
	}
	res, _ := st.Results()
	if !res[l.ID].Passed || res[l.ID].Attempts != 2 {
		t.Errorf("results %+v", res[l.ID])
	}
}

func TestLabs(t *testing.T) {
	testenv.RequirePrivileged(t)
	for _, l := range Labs() {
		t.Run(l.ID, func(t *testing.T) {
			runLab(t, l, testStudent(t, ""))
		})
	}
}

// TestTwoStudentsAtOnce runs the same labs for two students on one
// machine at the same time: each one's solution satisfies only their own
// check, and one's reset leaves the other's work alone.
func TestTwoStudentsAtOnce(t *testing.T) {
	testenv.RequirePrivileged(t)
	root := t.TempDir()
	a, b := testStudent(t, root), testStudent(t, root)
	ctx := context.Background()
	for _, id := range []string{"uts-hostname", "mnt-private", "ipc-shm", "cgroup-oom", "net-bridge", "net-publish", "user-root"} {
		t.Run(id, func(t *testing.T) {
			l, _ := LookupLab(id)
			ea, err := l.Env(a)
			if err != nil {
				t.Fatal(err)
			}
			eb, err := l.Env(b)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ea.Reset(ctx); eb.Reset(ctx) })
			// Both start at once.
			errs := make(chan error, 2)
			for _, e := range []*LabEnv{ea, eb} {
				go func(e *LabEnv) { _, err := e.Start(ctx); errs <- err }(e)
			}
			for i := 0; i < 2; i++ {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			if err := ea.ApplySolution(ctx); err != nil {
				t.Fatal(err)
			}
			if _, pass, err := check(ctx, ea); err != nil || !pass {
				t.Fatalf("student A fails after the solution: %v", err)
			}
			if _, pass, err := check(ctx, eb); err != nil || pass {
				t.Fatalf("student B passes with student A's work (err %v)", err)
			}
			if err := eb.ApplySolution(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := ea.Reset(ctx); err != nil {
				t.Fatalf("reset A: %v", err)
			}
			if rs, pass, err := check(ctx, eb); err != nil || !pass {
				t.Fatalf("student A's reset broke student B's work: %+v %v", rs, err)
			}
			if _, err := eb.Reset(ctx); err != nil {
				t.Fatalf("reset B: %v", err)
			}
		})
	}
	rows, err := Report(root)
	if err != nil {
		t.Fatal(err)
	}
	passed := map[string]int{}
	for _, r := range rows {
		if r.Passed {
			passed[r.Student]++
		}
	}
	if passed[a.Name] == 0 || passed[b.Name] == 0 {
		t.Errorf("report: %+v", rows)
	}
}

// check runs a fresh check (no cached process lists).
func check(ctx context.Context, e *LabEnv) ([]CheckResult, bool, error) {
	e.cache = map[string]any{}
	return e.Check(ctx)
}
