package nsdemo

import (
	"os"
	"strings"
	"testing"
)

func TestUser(t *testing.T) {
	requireRoot(t)
	hostNS := hostNamespaces(t)
	hostMap := readTrim("/proc/self/uid_map")
	r, err := User(testCtx(t), Options{MapUID: 200000, MapGID: 300000})
	if err != nil {
		t.Fatal(err)
	}
	if r.InsideUID != 0 || r.InsideGID != 0 {
		t.Errorf("inside uid/gid = %d/%d, want 0/0", r.InsideUID, r.InsideGID)
	}
	if r.HostUID != 200000 || r.HostGID != 300000 {
		t.Errorf("host sees uid/gid %d/%d, want 200000/300000", r.HostUID, r.HostGID)
	}
	if r.FileUIDInside != 0 || r.FileUIDHost != 200000 {
		t.Errorf("file owner inside %d, on the host %d; want 0 and 200000", r.FileUIDInside, r.FileUIDHost)
	}
	if !strings.HasPrefix(r.SethostnameError, "EPERM") {
		t.Errorf("sethostname on the host's UTS namespace from inside: %q, want EPERM", r.SethostnameError)
	}
	if r.InsideCapEff == "" || strings.Trim(r.InsideCapEff, "0") == "" {
		t.Errorf("CapEff inside = %q, want the full set", r.InsideCapEff)
	}
	if r.UIDMap != "0 200000 65536" {
		t.Errorf("uid map = %q", r.UIDMap)
	}
	onlyDiffers(t, &r.Result, "user")
	processGone(t, r.ChildPID)
	// The demo changes nothing on the host: same namespaces, same map,
	// and its directory is gone.
	if got := hostNamespaces(t); !mapsEqual(got, hostNS) {
		t.Errorf("host namespaces changed: %v → %v", hostNS, got)
	}
	if got := readTrim("/proc/self/uid_map"); got != hostMap {
		t.Errorf("host uid_map changed: %q → %q", hostMap, got)
	}
	if _, err := os.Stat(r.File); !os.IsNotExist(err) {
		t.Errorf("%s left behind: %v", r.File, err)
	}
}

func TestUserRejectsHugeMap(t *testing.T) {
	if _, err := User(t.Context(), Options{MapUID: 1<<32 - 10}); err == nil {
		t.Fatal("a map past 2^32 was accepted")
	}
}

func mapsEqual(a, b map[string]uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
