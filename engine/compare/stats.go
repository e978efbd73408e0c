package compare

import (
	"math"
	"sort"
)

// Stat is a row's figure for one contender: the median of its samples
// with their range. The median, not the mean, because one slow start
// (a cold cache, a neighbour's burst) should not move the figure.
type Stat struct {
	N      int     `json:"n"`
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// Summarize returns the median and range of v, ignoring NaN and
// infinities (a sample that could not be taken). The median of an even
// count is the mean of the two middle values. N is 0 when nothing is
// left.
func Summarize(v []float64) Stat {
	var ok []float64
	for _, x := range v {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			ok = append(ok, x)
		}
	}
	s := Stat{N: len(ok)}
	if len(ok) == 0 {
		return s
	}
	sort.Float64s(ok)
	s.Min, s.Max = ok[0], ok[len(ok)-1]
	if n := len(ok); n%2 == 1 {
		s.Median = ok[n/2]
	} else {
		s.Median = (ok[n/2-1] + ok[n/2]) / 2
	}
	return s
}

// Scale returns s with every figure multiplied by f (units: ns → ms).
func (s Stat) Scale(f float64) Stat {
	s.Median, s.Min, s.Max = s.Median*f, s.Min*f, s.Max*f
	return s
}

// Ratio returns s relative to base's median (host = 1.00).
func (s Stat) Ratio(base Stat) Stat {
	if base.N == 0 || base.Median == 0 {
		return Stat{}
	}
	return s.Scale(1 / base.Median)
}
