package cgroupdemo

import (
	"context"
	"fmt"
	"os"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/testenv"
)

// The demos' children are this test binary re-executed at an entry point
// registered in init: no shell, no Go toolchain and no /etc are needed,
// so the same binary runs unchanged in the pure-v2 VM harness.
func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}

// testOptions gives a privileged test its own parent cgroup,
// vitro/test-cgroupdemo-<pid>/<test>, removed (with anything left inside)
// when the test ends, pass or fail.
// demoDeadline bounds a demo that waits for the kernel to act (an OOM kill,
// throttling, a frozen child). A broken limit must fail the test in
// minutes, not leave it running until the suite's timeout: with the v2
// driver writing memory.high instead of memory.max, the memory child was
// only throttled and kept touching pages for 8 minutes.
const demoDeadline = 2 * time.Minute

// kernelDeadline returns a context that ends after demoDeadline; when it
// has ended, the test fails saying that the kernel never did what the demo
// waited for.
func kernelDeadline(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), demoDeadline)
	t.Cleanup(func() {
		if ctx.Err() == context.DeadlineExceeded {
			t.Errorf("%s: the kernel did not do what the demo waited for within %s (a limit that does not bite?)", t.Name(), demoDeadline)
		}
		cancel()
	})
	return ctx
}

func testOptions(t *testing.T) Options {
	t.Helper()
	testenv.RequirePrivileged(t)
	d, err := Detect(DefaultRoot)
	if err != nil {
		t.Fatalf("detecting the cgroup layout: %v", err)
	}
	t.Logf("cgroup mode %s", d.Mode())
	parent := path.Join(Parent, fmt.Sprintf("test-cgroupdemo-%d", os.Getpid()), t.Name())
	cg, err := Create(d, parent)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cg.KillAndRemove(); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		// The per-process level too, once empty; other tests of this
		// binary may still use it, so EBUSY is fine here.
		if top, err := Open(d, path.Dir(parent)); err == nil {
			for _, dir := range top.Dirs() {
				os.Remove(dir)
			}
		}
	})
	return Options{Parent: parent, Progress: func(s string) { t.Log(s) }}
}

func TestMemoryOOM(t *testing.T) {
	o := testOptions(t)
	const limit = 32 << 20
	res, err := MemoryDemo(kernelDeadline(t), o, MemoryConfig{Limit: limit, Alloc: 256 << 20, Step: 2 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", res)
	if !res.Killed || res.Signal != "SIGKILL" {
		t.Errorf("child ended with signal %q exit %d, want killed by SIGKILL", res.Signal, res.ExitCode)
	}
	if res.OOMKills < 1 {
		t.Errorf("%s counts %d OOM kills, want ≥ 1", res.EventsFile, res.OOMKills)
	}
	if res.Limit != limit {
		t.Errorf("%s read back %d, want %d", res.LimitFile, res.Limit, limit)
	}
	// The child never held more than the limit at once, so the peak stays
	// at the limit, give or take a page or two that the kernel charges
	// while it reclaims (seen on a loaded host: one page over).
	if slack := uint64(limit / 100); res.Peak == 0 || res.Peak > limit+slack {
		t.Errorf("peak %d, want in (0, %d]", res.Peak, limit+slack)
	}
	if res.Touched >= res.Alloc {
		t.Errorf("the child touched all %d bytes: the limit did not bite", res.Alloc)
	}
}

func TestCPUQuotaThrottles(t *testing.T) {
	o := testOptions(t)
	res, err := CPUDemo(kernelDeadline(t), o, CPUConfig{NanoCPUs: 5e8, Seconds: 1, UntilThrottled: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", *res)
	if res.QuotaUS != 50000 || res.PeriodUS != 100000 {
		t.Errorf("quota/period read back %d/%d, want 50000/100000", res.QuotaUS, res.PeriodUS)
	}
	// The mechanism, not the clock: the kernel throttled the group, and
	// over the periods it counted the group never ran more than its
	// quota allows (a period and a scheduler slice of slack each side).
	if res.Throttled < 2 || res.ThrottledNS == 0 {
		t.Errorf("nr_throttled rose by %d, throttled time by %dns: the quota did not bite", res.Throttled, res.ThrottledNS)
	}
	if allowed := (res.Periods + 2) * 50000 * 1000; res.UsageNS > allowed {
		t.Errorf("used %dns of CPU in %d periods, more than the quota allows (%dns)", res.UsageNS, res.Periods, allowed)
	}
}

func TestPidsMaxStopsForks(t *testing.T) {
	o := testOptions(t)
	res, err := PidsDemo(kernelDeadline(t), o, PidsConfig{Max: 16, Forks: 40})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", *res)
	if res.Max != 16 {
		t.Errorf("pids.max read back %d", res.Max)
	}
	if res.EAGAIN == 0 || res.Forked+res.EAGAIN != 40 || res.OtherErrors != 0 {
		t.Errorf("forks: %d succeeded, %d EAGAIN, %d other: want the limit to refuse some with EAGAIN", res.Forked, res.EAGAIN, res.OtherErrors)
	}
	if res.Current > 16 || res.Forked+res.ChildThreads > 16 {
		t.Errorf("pids.current %d (%d threads + %d forks) is over pids.max 16", res.Current, res.ChildThreads, res.Forked)
	}
	if res.MaxEvents < uint64(res.EAGAIN) {
		t.Errorf("pids.events max = %d, want at least the %d refused forks", res.MaxEvents, res.EAGAIN)
	}
}

func TestCpusetPinsChild(t *testing.T) {
	o := testOptions(t)
	d, _ := Detect(DefaultRoot)
	avail, err := AvailableCPUs(d)
	if err != nil || len(avail) == 0 {
		t.Fatalf("available CPUs %v: %v", avail, err)
	}
	want := fmt.Sprint(avail[len(avail)-1])
	res, err := CpusetDemo(kernelDeadline(t), o, want)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", *res)
	if res.Cpus != want || res.ChildAllowed != want || res.ChildAffinity != want {
		t.Errorf("cpuset %s: cgroup has %q, child allowed %q, affinity %q", want, res.Cpus, res.ChildAllowed, res.ChildAffinity)
	}
	_, err = CpusetDemo(kernelDeadline(t), o, fmt.Sprint(avail[len(avail)-1]+1))
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("cpuset of a CPU that does not exist: %v", err)
	}
}

func TestFreezeStopsProgress(t *testing.T) {
	o := testOptions(t)
	res, err := FreezeDemo(kernelDeadline(t), o, FreezeConfig{Seconds: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", res.Phases)
	if len(res.Phases) != 3 {
		t.Fatalf("phases = %+v", res.Phases)
	}
	run, frozen, thawed := res.Phases[0], res.Phases[1], res.Phases[2]
	if run.Counted == 0 || run.State != Thawed {
		t.Errorf("before freezing: %+v", run)
	}
	if frozen.Counted != 0 || frozen.State != Frozen {
		t.Errorf("frozen: state %s, the child counted %d: want FROZEN and no progress", frozen.State, frozen.Counted)
	}
	if thawed.Counted == 0 || thawed.State != Thawed {
		t.Errorf("after thawing: %+v", thawed)
	}
}

func TestSharesDivideOneCPU(t *testing.T) {
	o := testOptions(t)
	res, err := SharesDemo(kernelDeadline(t), o, SharesConfig{Shares: 128, Seconds: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", *res)
	a, b := res.Children[0], res.Children[1]
	if a.UsageNS == 0 || b.UsageNS == 0 {
		t.Fatalf("a child got no CPU: %+v", res.Children)
	}
	// 1024 against 128 shares is 8:1; the heavier child must get more.
	if a.UsageNS <= b.UsageNS {
		t.Errorf("1024 shares got %dns, 128 shares got %dns: weights had no effect", a.UsageNS, b.UsageNS)
	}
}
