package cgroupdemo

import (
	"math"
	"strings"
	"testing"
)

func TestMemoryNote(t *testing.T) {
	if n := memoryNote(Hybrid, 0, 1); !strings.Contains(n, "memory.memsw.failcnt") {
		t.Errorf("v1, 0 hits, 1 OOM kill: note %q does not explain the 0", n)
	}
	for _, c := range []struct {
		mode       Mode
		hits, kill uint64
	}{{Hybrid, 3, 1}, {Legacy, 0, 0}, {Unified, 0, 1}} {
		if n := memoryNote(c.mode, c.hits, c.kill); n != "" {
			t.Errorf("memoryNote(%v, %d, %d) = %q, want none", c.mode, c.hits, c.kill, n)
		}
	}
}

func TestPidsNote(t *testing.T) {
	if n := pidsNote(1, 5, 5); !strings.Contains(n, "pids.current 5 is above pids.max 1") || !strings.Contains(n, "5 threads") {
		t.Errorf("pidsNote(1, 5, 5) = %q", n)
	}
	for _, c := range []struct {
		max     int64
		current uint64
	}{{16, 16}, {16, 5}, {-1, 100}} {
		if n := pidsNote(c.max, c.current, 5); n != "" {
			t.Errorf("pidsNote(%d, %d) = %q, want none", c.max, c.current, n)
		}
	}
}

func TestSeconds(t *testing.T) {
	for _, bad := range []float64{0, -1, 0.05, 601, math.NaN()} {
		if CheckSeconds(bad) == nil {
			t.Errorf("CheckSeconds(%g) accepted", bad)
		}
	}
	for _, good := range []float64{0.1, 3, 600} {
		if err := CheckSeconds(good); err != nil {
			t.Errorf("CheckSeconds(%g): %v", good, err)
		}
	}
	// In a Config, 0 is the zero value: unset, the default.
	if s, err := seconds(0, 3); s != 3 || err != nil {
		t.Errorf("seconds(0, 3) = %g, %v", s, err)
	}
	if _, err := seconds(-1, 3); err == nil {
		t.Error("seconds(-1, 3) accepted")
	}
}
