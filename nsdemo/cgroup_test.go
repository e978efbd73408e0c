package nsdemo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCgroup(t *testing.T) {
	requireRoot(t)
	parent := "vitro/test-nsdemo-" + itoa(os.Getpid())
	r, err := Cgroup(testCtx(t), Options{CgroupParent: parent})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.InsideView) == 0 || len(r.InsideView) != len(r.HostView) {
		t.Fatalf("inside %q, host %q", r.InsideView, r.HostView)
	}
	for _, l := range r.InsideView {
		if !strings.HasSuffix(l, ":/") {
			t.Errorf("inside /proc/self/cgroup line %q does not read /", l)
		}
	}
	found := false
	for _, l := range r.HostView {
		if strings.HasSuffix(l, ":"+r.Cgroup) {
			found = true
		}
	}
	if !found {
		t.Errorf("host view %q lacks the real path %s", r.HostView, r.Cgroup)
	}
	onlyDiffers(t, &r.Result, "cgroup")
	processGone(t, r.ChildPID)
	if _, err := os.Stat(filepath.Join(r.Hierarchy, r.Cgroup)); !os.IsNotExist(err) {
		t.Errorf("cgroup %s left behind: %v", r.Cgroup, err)
	}
	if _, err := os.Stat(filepath.Join(r.Hierarchy, parent)); !os.IsNotExist(err) {
		t.Errorf("cgroup parent %s left behind: %v", parent, err)
	}
}
