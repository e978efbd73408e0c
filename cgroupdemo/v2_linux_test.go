package cgroupdemo

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/vitro-dev/vitro/internal/testenv"
)

// TestV2CoreOnHybrid runs the v2 driver for real on a hybrid host's
// cgroup2 tree, which has no controllers but has the v2 core: create,
// join, cgroup.freeze, cpu.stat, cgroup.kill and remove. (On a pure v2
// host every demo test already runs the v2 driver.) Detection never picks
// this tree on a hybrid host; the test opens it on purpose.
func TestV2CoreOnHybrid(t *testing.T) {
	testenv.RequirePrivileged(t)
	mode, err := DetectMode(DefaultRoot)
	if err != nil || mode != Hybrid {
		t.Skipf("needs a hybrid host (this one is %s)", mode)
	}
	if d, _ := Detect(DefaultRoot); d.Mode() != Hybrid {
		t.Fatalf("Detect chose the %s driver on a hybrid host", d.Mode())
	}
	d := NewV2(filepath.Join(DefaultRoot, "unified"))
	name := path.Join(Parent, fmt.Sprintf("test-cgroupdemo-%d", os.Getpid()), "v2core")
	cg, err := Create(d, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cg.KillAndRemove(); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		// This test's level, then vitro/ itself: on a hybrid host nothing
		// else of vitro's lives in the cgroup2 tree.
		os.Remove(filepath.Dir(cg.Dirs()[0]))
		os.Remove(filepath.Dir(filepath.Dir(cg.Dirs()[0])))
	})
	ctx := context.Background()
	c, err := startChild(ctx, cg, entrySpin, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if procs, _ := cg.Procs(); len(procs) != 1 || procs[0] != c.Pid {
		t.Fatalf("cgroup.procs = %v, want [%d]", procs, c.Pid)
	}

	if err := cg.Freeze(ctx); err != nil {
		t.Fatal(err)
	}
	a, _ := cg.Stats()
	time.Sleep(200 * time.Millisecond)
	b, _ := cg.Stats()
	if a.Freeze != Frozen || b.CPU.UsageNS != a.CPU.UsageNS {
		t.Errorf("frozen spinner: state %s, cpu.stat usage %d → %d: want FROZEN and no CPU used", a.Freeze, a.CPU.UsageNS, b.CPU.UsageNS)
	}
	if err := cg.Thaw(ctx); err != nil {
		t.Fatal(err)
	}
	if err := cg.Kill(); err != nil {
		t.Fatal(err)
	}
	c.Wait()
	ps := c.ProcessState()
	if ws := ps.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Errorf("after cgroup.kill the child ended with %v, want SIGKILL", ps)
	}
	if err := cg.Remove(); err != nil {
		t.Fatal(err)
	}
	if exists(cg.Dirs()[0]) {
		t.Error("cgroup still there after Remove")
	}
}
