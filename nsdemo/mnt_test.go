package nsdemo

import (
	"os"
	"slices"
	"testing"
)

func TestMnt(t *testing.T) {
	requireRoot(t)
	r, err := Mnt(testCtx(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.InsideMount == nil || r.InsideMount.FSType != "tmpfs" {
		t.Errorf("inside mount at %s = %+v, want tmpfs", r.Target, r.InsideMount)
	}
	if r.HostMount != nil {
		t.Errorf("the host's mountinfo has %+v: the mount leaked", r.HostMount)
	}
	if r.RootPropagation != "private" {
		t.Errorf("propagation of / inside = %q, want private", r.RootPropagation)
	}
	if !slices.Equal(r.InsideFiles, []string{"hello"}) || len(r.HostFiles) != 0 {
		t.Errorf("files inside %v, on the host %v", r.InsideFiles, r.HostFiles)
	}
	onlyDiffers(t, &r.Result, "mnt")
	processGone(t, r.ChildPID)
	if _, err := os.Stat(r.Target); !os.IsNotExist(err) {
		t.Errorf("mount point %s left behind: %v", r.Target, err)
	}
	host, err := MountTable(0)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := FindMount(host, r.Target); ok {
		t.Errorf("%s still mounted on the host", r.Target)
	}
}
