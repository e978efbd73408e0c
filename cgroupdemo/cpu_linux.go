package cgroupdemo

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/trace"
)

const entrySpin = "cgroupdemo-spin"

func init() { reexec.Register(entrySpin, spinChild) }

// CPUConfig sets up the CPU quota demo.
type CPUConfig struct {
	NanoCPUs int64 // --cpus 0.5 is 500000000
	// Seconds is how long to measure. The default value is 3.
	Seconds float64
	// UntilThrottled, when above 0, keeps measuring past Seconds until
	// the kernel has throttled the cgroup that many times (at most two
	// minutes): tests use it so that a loaded machine, where the child may
	// get less than its quota anyway and so is not throttled, slows them
	// down instead of failing them.
	UntilThrottled uint64
}

// CPUResult is what the CPU quota demo measured, as deltas over the
// measured wall time.
type CPUResult struct {
	Common
	CPUs        string  `json:"cpus"`      // as given: "0.5"
	QuotaUS     int64   `json:"quota_us"`  // read back
	PeriodUS    uint64  `json:"period_us"` // read back
	WallNS      int64   `json:"wall_ns"`
	UsageNS     uint64  `json:"usage_ns"` // CPU time the cgroup used
	Share       float64 `json:"share"`    // UsageNS / WallNS, in CPUs
	Periods     uint64  `json:"nr_periods"`
	Throttled   uint64  `json:"nr_throttled"`
	ThrottledNS uint64  `json:"throttled_ns"`
}

// CPUDemo runs a busy child under a CFS quota and measures, from the
// cgroup's own counters, the CPU it got and how often the kernel
// throttled it.
func CPUDemo(ctx context.Context, o Options, cfg CPUConfig) (res *CPUResult, err error) {
	if cfg.Seconds, err = seconds(cfg.Seconds, 3); err != nil {
		return nil, err
	}
	r := Resources{NanoCPUs: cfg.NanoCPUs}
	if cfg.NanoCPUs <= 0 {
		return nil, fmt.Errorf("%w: cpus %s: want %s", ErrInvalidResources, FormatCPUs(cfg.NanoCPUs), cpusForms)
	}
	if err := r.Validate(runtime.NumCPU(), nil); err != nil {
		return nil, err
	}
	st := newSteps(5)
	st.next("create cgroup")
	cg, com, err := o.newDemo("cpu", r)
	if err != nil {
		return nil, err
	}
	defer st.cleanup(cg, &err)
	stop := killOnCancel(ctx, cg)
	defer stop()
	st.next("start child in cgroup")
	c, err := startChild(ctx, cg, entrySpin, nil)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	st.next("measure CPU time and throttling")
	before, err := cg.Stats()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	min := time.Duration(cfg.Seconds * float64(time.Second))
	var after *Stats
	for {
		if err := sleepCtx(ctx, 100*time.Millisecond); err != nil {
			return nil, err
		}
		if after, err = cg.Stats(); err != nil {
			return nil, err
		}
		el := time.Since(start)
		if el >= min && (after.CPU.Throttled-before.CPU.Throttled >= cfg.UntilThrottled || el >= 2*time.Minute) {
			break
		}
	}
	wall := time.Since(start)
	st.next("report")
	trace.KernelEvent("cpu.stat", trace.Int("usage_ns", int64(after.CPU.UsageNS-before.CPU.UsageNS)),
		trace.Int("nr_periods", int64(after.CPU.Periods-before.CPU.Periods)), trace.Int("nr_throttled", int64(after.CPU.Throttled-before.CPU.Throttled)))
	res = &CPUResult{
		CPUs: FormatCPUs(cfg.NanoCPUs), QuotaUS: after.CPU.QuotaUS, PeriodUS: after.CPU.PeriodUS,
		WallNS: int64(wall), UsageNS: after.CPU.UsageNS - before.CPU.UsageNS,
		Periods:     after.CPU.Periods - before.CPU.Periods,
		Throttled:   after.CPU.Throttled - before.CPU.Throttled,
		ThrottledNS: after.CPU.ThrottledNS - before.CPU.ThrottledNS,
	}
	res.Share = float64(res.UsageNS) / float64(wall)
	o.progress("%.2fs: used %.2fs of CPU (%.0f%% of one CPU), throttled in %d of %d periods",
		wall.Seconds(), float64(res.UsageNS)/1e9, 100*res.Share, res.Throttled, res.Periods)
	com.record(cg)
	res.Common = *com
	return res, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

var spins atomic.Uint64

// spinChild burns one CPU until it is killed.
func spinChild() {
	runtime.GOMAXPROCS(1)
	p, err := reexec.Child()
	if err != nil {
		os.Exit(3)
	}
	if err := p.Expect(reexec.MsgGo, nil); err != nil {
		os.Exit(4)
	}
	for {
		spins.Add(1)
	}
}
