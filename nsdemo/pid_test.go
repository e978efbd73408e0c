package nsdemo

import (
	"slices"
	"testing"
)

func TestPID(t *testing.T) {
	requireRoot(t)
	r, err := PID(testCtx(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.InsidePID != 1 || r.InsidePPID != 0 {
		t.Errorf("inside pid/ppid = %d/%d, want 1/0", r.InsidePID, r.InsidePPID)
	}
	if r.ChildPID == 1 {
		t.Error("host PID is 1")
	}
	// Numbers are handed out in order from 1, and threads take them too,
	// so the second process has a small number above PID 1's first thread.
	if r.SecondPID < 2 || r.OrphanPID <= r.SecondPID || r.SecondPID > 1000 {
		t.Errorf("second = %d, orphan = %d: want small, increasing numbers", r.SecondPID, r.OrphanPID)
	}
	if len(r.Threads) < 1 || r.Threads[0] != 1 || slices.Contains(r.Threads, r.SecondPID) {
		t.Errorf("threads of PID 1 = %v", r.Threads)
	}
	var pids []int
	for _, p := range r.InsideProcs {
		pids = append(pids, p.PID)
	}
	if !slices.Equal(pids, []int{1, r.SecondPID, r.OrphanPID}) {
		t.Errorf("processes inside = %+v, want 1, %d, %d", r.InsideProcs, r.SecondPID, r.OrphanPID)
	}
	if r.OrphanPPID != 1 {
		t.Errorf("orphan's parent = %d, want 1", r.OrphanPPID)
	}
	if r.ReapedPID != r.OrphanPID {
		t.Errorf("PID 1 reaped %d, want the orphan %d", r.ReapedPID, r.OrphanPID)
	}
	if r.InsideCount != 2 || r.HostProcCount <= r.InsideCount {
		t.Errorf("visible: inside %d (want 2), host %d", r.InsideCount, r.HostProcCount)
	}
	if len(r.HostProcs) != 2 || r.HostProcs[0].HostPID != r.ChildPID || r.HostProcs[0].InsidePID != 1 {
		t.Errorf("host view = %+v, want the child (%d) as 1 and the orphan", r.HostProcs, r.ChildPID)
	}
	onlyDiffers(t, &r.Result, "pid")
	processGone(t, r.ChildPID)
	for _, p := range r.HostProcs {
		processGone(t, p.HostPID)
	}
}

func TestPPIDFromStat(t *testing.T) {
	if got := ppidFromStat("42 (a (weird) name) S 7 42 42 0"); got != 7 {
		t.Errorf("ppid = %d, want 7", got)
	}
	if got := ppidFromStat("garbage"); got != -1 {
		t.Errorf("ppid of garbage = %d", got)
	}
}
