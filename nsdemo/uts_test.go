package nsdemo

import (
	"testing"
)

func TestUTS(t *testing.T) {
	requireRoot(t)
	before := hostname()
	r, err := UTS(testCtx(t), Options{Hostname: "vitro-uts-test"})
	if err != nil {
		t.Fatal(err)
	}
	if r.InsideHostname != "vitro-uts-test" {
		t.Errorf("inside hostname = %q", r.InsideHostname)
	}
	if r.InheritedHostname != before {
		t.Errorf("the child first saw %q, want a copy of the host's %q", r.InheritedHostname, before)
	}
	if r.HostHostnameAfter != before || hostname() != before {
		t.Errorf("host hostname changed: %q → %q", before, r.HostHostnameAfter)
	}
	onlyDiffers(t, &r.Result, "uts")
	processGone(t, r.ChildPID)
}

func TestUTSRejectsLongHostname(t *testing.T) {
	long := make([]byte, 65)
	for i := range long {
		long[i] = 'a'
	}
	if _, err := UTS(t.Context(), Options{Hostname: string(long)}); err == nil {
		t.Fatal("a 65-byte hostname was accepted")
	}
}
