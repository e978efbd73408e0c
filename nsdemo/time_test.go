package nsdemo

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestTime(t *testing.T) {
	requireRoot(t)
	hostNS := hostNamespaces(t)
	hostOffsets := readTrim("/proc/self/timens_offsets")
	r, err := Time(testCtx(t), Options{TimeOffset: 3 * 24 * 3600})
	if err != nil {
		t.Fatal(err)
	}
	off := 3 * 24 * time.Hour
	// The child read its clocks between the host's two readings, so
	// inside - offset must fall between them.
	for name, c := range map[string][3]time.Duration{
		"monotonic": {r.HostBefore.Monotonic, r.Inside.Monotonic, r.HostAfter.Monotonic},
		"boottime":  {r.HostBefore.Boottime, r.Inside.Boottime, r.HostAfter.Boottime},
	} {
		if in := c[1] - off; in < c[0] || in > c[2] {
			t.Errorf("%s inside %v minus offset %v is not between the host's %v and %v", name, c[1], off, c[0], c[2])
		}
	}
	if !strings.Contains(r.InsideOffsets, "monotonic 259200 0") || !strings.Contains(r.InsideOffsets, "boottime 259200 0") {
		t.Errorf("child's timens_offsets = %q", r.InsideOffsets)
	}
	onlyDiffers(t, &r.Result, "time")
	processGone(t, r.ChildPID)
	// Nothing changed on the host: same namespaces, zero offsets, and no
	// thread of this process is left preparing a time namespace.
	if got := hostNamespaces(t); !mapsEqual(got, hostNS) {
		t.Errorf("host namespaces changed: %v → %v", hostNS, got)
	}
	if got := readTrim("/proc/self/timens_offsets"); got != hostOffsets {
		t.Errorf("host offsets changed: %q → %q", hostOffsets, got)
	}
	tasks, _ := os.ReadDir("/proc/self/task")
	for _, task := range tasks {
		a, _ := os.Readlink("/proc/self/task/" + task.Name() + "/ns/time")
		b, _ := os.Readlink("/proc/self/task/" + task.Name() + "/ns/time_for_children")
		if a != b {
			t.Errorf("thread %s: time %s, time_for_children %s", task.Name(), a, b)
		}
	}
}

func TestTimeRejectsBadOffset(t *testing.T) {
	if _, err := Time(t.Context(), Options{TimeOffset: -5}); err == nil {
		t.Fatal("a negative offset was accepted")
	}
}
