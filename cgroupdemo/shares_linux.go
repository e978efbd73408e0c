package cgroupdemo

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// SharesConfig sets up the weight demo: two busy children in sibling
// cgroups, pinned to the same CPU so that they compete for it.
type SharesConfig struct {
	// Shares of the second child; the first has docker's default 1024.
	Shares uint64
	// Seconds is how long to measure. The default value is 3.
	Seconds float64
}

// SharesChild is one of the two competitors.
type SharesChild struct {
	Cgroup  string  `json:"cgroup"`
	Shares  uint64  `json:"shares"`           // docker's --cpu-shares
	Weight  uint64  `json:"weight,omitempty"` // v2 cpu.weight written (converted)
	UsageNS uint64  `json:"usage_ns"`
	Share   float64 `json:"share"` // of the one CPU they share
}

// SharesResult compares the CPU two weighted children got on one CPU.
type SharesResult struct {
	Common
	CPU      int           `json:"cpu"` // the CPU both are pinned to
	WallNS   int64         `json:"wall_ns"`
	Children []SharesChild `json:"children"`
	Expected float64       `json:"expected_ratio"` // weights' ratio, first to second
	Measured float64       `json:"measured_ratio"` // CPU time's ratio
}

// SharesDemo shows that cpu.shares (v1) and cpu.weight (v2) divide a
// contended CPU in proportion, and do nothing without contention.
func SharesDemo(ctx context.Context, o Options, cfg SharesConfig) (res *SharesResult, err error) {
	if cfg.Seconds, err = seconds(cfg.Seconds, 3); err != nil {
		return nil, err
	}
	if err := (Resources{CPUShares: cfg.Shares}).Validate(1, nil); err != nil || cfg.Shares == 0 {
		return nil, fmt.Errorf("%w: cpu-shares %d: want %d to %d (1024 is the default weight)", ErrInvalidResources, cfg.Shares, minShares, maxShares)
	}
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, fmt.Errorf("sched_getaffinity: %w", err)
	}
	cpu := 0
	for !set.IsSet(cpu) && cpu < 1024 {
		cpu++
	}
	pin := strconv.Itoa(cpu)
	st := newSteps(4)
	st.next("create cgroups")
	top, com, err := o.newDemo("cpu-shares", Resources{CpusetCpus: pin})
	if err != nil {
		return nil, err
	}
	defer st.cleanup(top, &err)
	stop := killOnCancel(ctx, top)
	defer stop()

	res = &SharesResult{CPU: cpu}
	var cgs []*Cgroup
	for i, shares := range []uint64{1024, cfg.Shares} {
		cg, err := Create(top.Driver(), path.Join(top.Name, string(rune('a'+i))))
		if err != nil {
			return nil, err
		}
		if err := cg.Set(Resources{CPUShares: shares, CpusetCpus: pin}); err != nil {
			return nil, err
		}
		sc := SharesChild{Cgroup: cg.Name, Shares: shares}
		if cg.Driver().Mode() == Unified {
			sc.Weight = SharesToWeight(shares)
		}
		res.Children = append(res.Children, sc)
		cgs = append(cgs, cg)
	}
	st.next("start competing children")
	var childWrites []string
	before := make([]uint64, len(cgs))
	for _, cg := range cgs {
		c, err := startChild(ctx, cg, entrySpin, nil)
		if err != nil {
			return nil, err
		}
		defer c.Close()
	}
	// Both run before either is measured, so both windows are the same.
	st.next("measure CPU time")
	start := time.Now()
	for i, cg := range cgs {
		stats, err := cg.Stats()
		if err != nil {
			return nil, err
		}
		before[i] = stats.CPU.UsageNS
	}
	if err := sleepCtx(ctx, time.Duration(cfg.Seconds*float64(time.Second))); err != nil {
		return nil, err
	}
	wall := time.Since(start)
	for i, cg := range cgs {
		st, err := cg.Stats()
		if err != nil {
			return nil, err
		}
		res.Children[i].UsageNS = st.CPU.UsageNS - before[i]
		res.Children[i].Share = float64(res.Children[i].UsageNS) / float64(wall)
		childWrites = append(childWrites, shells(cg)...)
	}
	res.WallNS = int64(wall)
	w := func(c SharesChild) float64 {
		if c.Weight > 0 {
			return float64(c.Weight)
		}
		return float64(c.Shares)
	}
	res.Expected = w(res.Children[0]) / w(res.Children[1])
	if res.Children[1].UsageNS > 0 {
		res.Measured = float64(res.Children[0].UsageNS) / float64(res.Children[1].UsageNS)
	}
	o.progress("on CPU %d for %.2fs: %s got %.2fs, %s got %.2fs: ratio %.2f (weights say %.2f)", cpu, wall.Seconds(),
		res.Children[0].Cgroup, float64(res.Children[0].UsageNS)/1e9, res.Children[1].Cgroup, float64(res.Children[1].UsageNS)/1e9,
		res.Measured, res.Expected)
	com.record(top)
	com.Writes = append(com.Writes, childWrites...)
	res.Common = *com
	return res, nil
}

func shells(cg *Cgroup) []string {
	var out []string
	for _, a := range cg.Log() {
		out = append(out, a.Shell())
	}
	return out
}
