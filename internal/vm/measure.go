package vm

import (
	"sort"
	"time"
)

// Measurement is what one boot cost: the figures the later VM-vs-container
// comparison shows.
type Measurement struct {
	Accel Accel
	// Userspace: qemu's start → the guest's first userspace line.
	Userspace time.Duration
	// PowerOff: qemu's start → qemu's exit after the guest powered off.
	PowerOff time.Duration
	// PeakRSS: qemu's peak resident memory in bytes.
	PeakRSS int64
}

// Summary is the median and range of several measurements.
type Summary struct {
	N                                     int
	UserspaceMin, UserspaceMedian         time.Duration
	UserspaceMax                          time.Duration
	PowerOffMin, PowerOffMedian           time.Duration
	PowerOffMax                           time.Duration
	PeakRSSMin, PeakRSSMedian, PeakRSSMax int64
}

// Summarize returns the median and range of ms.
func Summarize(ms []Measurement) Summary {
	s := Summary{N: len(ms)}
	if len(ms) == 0 {
		return s
	}
	us := make([]time.Duration, len(ms))
	po := make([]time.Duration, len(ms))
	rss := make([]int64, len(ms))
	for i, m := range ms {
		us[i], po[i], rss[i] = m.Userspace, m.PowerOff, m.PeakRSS
	}
	s.UserspaceMin, s.UserspaceMedian, s.UserspaceMax = spread(us)
	s.PowerOffMin, s.PowerOffMedian, s.PowerOffMax = spread(po)
	s.PeakRSSMin, s.PeakRSSMedian, s.PeakRSSMax = spread(rss)
	return s
}

// spread returns min, median (lower middle for an even count) and max.
func spread[T time.Duration | int64](v []T) (T, T, T) {
	sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
	return v[0], v[(len(v)-1)/2], v[len(v)-1]
}
