package nsdemo

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestIPC(t *testing.T) {
	requireRoot(t)
	r, err := IPC(testCtx(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(r.HostShm, r.HostShmKey) || slices.Contains(r.HostShm, r.InsideShmKey) {
		t.Errorf("host shm keys %v: want %s and not %s", r.HostShm, r.HostShmKey, r.InsideShmKey)
	}
	if !slices.Contains(r.InsideShm, r.InsideShmKey) || slices.Contains(r.InsideShm, r.HostShmKey) {
		t.Errorf("inside shm keys %v: want %s and not %s", r.InsideShm, r.InsideShmKey, r.HostShmKey)
	}
	for name, got := range map[string]string{
		"inside opens host shm": r.InsideOpensHostShm, "inside opens host queue": r.InsideOpensHostQueue,
		"host opens inside shm": r.HostOpensInsideShm, "host opens inside queue": r.HostOpensInsideQueue,
	} {
		if !strings.HasPrefix(got, "ENOENT") {
			t.Errorf("%s: %s, want ENOENT", name, got)
		}
	}
	onlyDiffers(t, &r.Result, "ipc")
	processGone(t, r.ChildPID)
	// The host's objects were removed.
	key, _ := strconv.ParseUint(strings.TrimPrefix(r.HostShmKey, "0x"), 16, 32)
	if got := probeShm(int(key)); key == 0 || !strings.HasPrefix(got, "ENOENT") {
		t.Errorf("host segment left behind: %s", got)
	}
	if got := probeQueue(r.HostQueue); !strings.HasPrefix(got, "ENOENT") {
		t.Errorf("host queue left behind: %s", got)
	}
}
