package compare

import (
	"fmt"
	"math"
	"time"
)

// cellFuncs compute one contender's figure for each row; a row with no
// function here (none yet) shows "—".
var cellFuncs = map[string]func(r *Report, c *Cell, m, host *Measured){
	"start":     cellStart,
	"memory":    cellMemory,
	"disk":      cellDisk,
	"cpu":       func(r *Report, c *Cell, m, host *Measured) { cellRatio(r, c, m, host, WorkCPU) },
	"syscall":   func(r *Report, c *Cell, m, host *Measured) { cellRatio(r, c, m, host, WorkSyscall) },
	"io":        cellIO,
	"density":   cellDensity,
	"kernel":    cellKernel,
	"isolation": cellIsolation,
}

// cell computes one contender's figure for row id.
func (r *Report) cell(id string, m, host *Measured) Cell {
	c := Cell{Contender: m.Info.Name}
	if !m.Info.Available {
		c.Missing = m.Info.Note
		c.Text = "—"
		return c
	}
	if f := cellFuncs[id]; f != nil {
		f(r, &c, m, host)
	}
	if c.Text == "" {
		c.Text = "—"
		if c.Missing == "" {
			c.Missing = "not measured"
			if m.Err != "" {
				c.Missing = m.Err
			}
		}
	}
	return c
}

// spans returns the durations of workload w in m's samples, in ns.
func spans(m *Measured, w string) []float64 {
	var v []float64
	for _, s := range m.Samples {
		if d, ok := s.Spans[w]; ok && d > 0 {
			v = append(v, float64(d))
		}
	}
	return v
}

func cellStart(_ *Report, c *Cell, m, _ *Measured) {
	var v []float64
	for _, s := range m.Samples {
		if s.Ready > 0 {
			v = append(v, float64(s.Ready))
		}
	}
	c.setStat(Summarize(v).Scale(1e-6), "ms")
}

func cellMemory(_ *Report, c *Cell, m, _ *Measured) {
	var main, pss []float64
	for _, s := range m.Memory {
		main = append(main, float64(s.Main+s.Monitor))
		if s.PSS > 0 {
			pss = append(pss, float64(s.PSS))
		}
		c.Detail = s.What
	}
	c.setStat(Summarize(main).Scale(1.0/mib), "MiB")
	if p := Summarize(pss); p.N > 0 {
		c.Detail += fmt.Sprintf("; PSS %s MiB", num(p.Median/mib))
	}
}

func cellDisk(_ *Report, c *Cell, m, _ *Measured) {
	if m.Disk.Bytes > 0 {
		v := float64(m.Disk.Bytes) / mib
		c.setStat(Stat{N: 1, Median: v, Min: v, Max: v}, "MiB")
	}
	c.Detail = m.Disk.What
}

// cellRatio is the CPU and syscall rows: the median relative to the
// host's, with the absolute figure in the detail.
func cellRatio(r *Report, c *Cell, m, host *Measured, w string) {
	own := Summarize(spans(m, w))
	if host == nil {
		return
	}
	c.setStat(own.Ratio(Summarize(spans(host, w))), "×")
	if own.N == 0 {
		return
	}
	if w == WorkCPU {
		c.Detail = fmt.Sprintf("%s ms for %d loops", num(own.Median/1e6), r.Sizes.CPULoops)
	} else {
		c.Detail = fmt.Sprintf("%s µs per system call (%d × read+write)", num(own.Median/1e3/float64(2*r.Sizes.SyscallBytes)), r.Sizes.SyscallBytes)
	}
}

func cellIO(r *Report, c *Cell, m, _ *Measured) {
	var v []float64
	for _, d := range spans(m, WorkIO) {
		v = append(v, float64(r.Sizes.IOMiB)*mib/1e6/(d/1e9))
	}
	c.setStat(Summarize(v), "MB/s")
	if len(m.Samples) > 0 {
		c.Detail = fmt.Sprintf("%d MiB written with fsync to %s", r.Sizes.IOMiB, FSName(m.Samples[0].Info["iofs"]))
	}
}

func cellDensity(_ *Report, c *Cell, m, _ *Measured) {
	d := m.Density
	if d == nil {
		return
	}
	c.setStat(Stat{N: 1, Median: float64(d.Up), Min: float64(d.Up), Max: float64(d.Up)}, "")
	c.Detail = fmt.Sprintf("%d of %d up in %s using %s MiB (%s)", d.Up, d.Tried, roundDur(d.Took), num(float64(d.UsedBytes)/mib), d.Limit)
	if d.Projected > d.Up {
		c.Detail += fmt.Sprintf("; the budget would hold ≈%d (projected, not started)", d.Projected)
	}
}

func cellKernel(_ *Report, c *Cell, m, _ *Measured) {
	if len(m.Samples) > 0 {
		c.Text = m.Samples[0].Info["kernel"]
		c.Detail = m.Samples[0].Info["version"]
	}
}

func cellIsolation(_ *Report, c *Cell, m, _ *Measured) {
	var v []float64
	for _, s := range m.Samples {
		var n float64
		if _, err := fmt.Sscan(s.Info["pids"], &n); err == nil {
			v = append(v, n)
		}
	}
	c.setStat(Summarize(v), "")
	if len(m.Samples) > 0 {
		i := m.Samples[0].Info
		c.Detail = fmt.Sprintf("PID 1 is %s; %s mounts; network: %s", i["pid1"], i["mounts"], i["net"])
	}
}

// setStat stores s and its text, "12.3 ms (11.0–14.2)".
func (c *Cell) setStat(s Stat, unit string) {
	if s.N == 0 {
		return
	}
	c.Stat = &s
	f := num
	if unit == "×" {
		f = func(v float64) string { return fmt.Sprintf("%.2f", v) }
	}
	t := f(s.Median)
	if unit != "" {
		if unit == "×" {
			t += "×"
		} else {
			t += " " + unit
		}
	}
	if s.N > 1 && s.Min != s.Max {
		t += fmt.Sprintf(" (%s–%s)", f(s.Min), f(s.Max))
	}
	c.Text = t
}

// num prints a figure with about three significant digits.
func num(v float64) string {
	a := math.Abs(v)
	switch {
	case v == math.Trunc(v) && a < 1e7:
		return fmt.Sprintf("%.0f", v)
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func roundDur(d time.Duration) string {
	if d > 10*time.Second {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Millisecond).String()
}

// wide reports whether the row's medians span more than a factor of 20,
// when a linear bar would hide the small ones.
func wide(cells []Cell) bool {
	lo, hi := math.Inf(1), 0.0
	for _, c := range cells {
		if c.Stat != nil && c.Stat.Median > 0 {
			lo, hi = math.Min(lo, c.Stat.Median), math.Max(hi, c.Stat.Median)
		}
	}
	return hi > 0 && hi/lo > 20
}
