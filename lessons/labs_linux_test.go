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
