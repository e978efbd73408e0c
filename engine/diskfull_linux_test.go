package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vitro-dev/vitro/engine/image"
	"github.com/vitro-dev/vitro/netdemo"
	"golang.org/x/sys/unix"
)

// tmpfsEngine is testEngine over a data root that is a tmpfs of size
// bytes (unmounted when the test ends), holding the busybox image: a
// small disk the test may fill.
func tmpfsEngine(t *testing.T, size int64) *Engine {
	t.Helper()
	e := testEngine(t)
	root := e.Config.DataRoot
	if err := unix.Mount("tmpfs", root, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, fmt.Sprintf("size=%d,mode=0711", size)); err != nil {
		t.Fatalf("mount tmpfs on %s: %v", root, err)
	}
	t.Cleanup(func() { unix.Unmount(root, unix.MNT_DETACH) })
	store, err := image.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	bb, _ := BusyboxPath()
	if _, err := store.Bootstrap(context.Background(), bb, "docker.io/library/busybox:latest"); err != nil {
		t.Fatal(err)
	}
	return e
}

func freeOn(t *testing.T, dir string) int64 {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return int64(st.Bavail) * st.Bsize
}

// Issue 14, disk exhaustion: a container that filled the disk made vitro
// exit 125 instead of the program's status, its record said 137 and its
// address stayed allocated; on the full disk, rm, rm -f and rmi failed
// with ENOSPC, and a failed run left a containers/<id> directory that
// neither ps -a nor rm could see. On a 64 MiB tmpfs data root, each now
// works: the program's own status, nothing allocated, removal with zero
// free blocks, nothing half-made.
func TestFullDisk(t *testing.T) {
	e := tmpfsEngine(t, 64<<20)
	root := e.Config.DataRoot
	for _, name := range []string{"stopped1", "stopped2"} {
		if _, stderr, err := runIn(t, e, RunOptions{Name: name, Cmd: []string{"true"}}); err != nil {
			t.Fatalf("run %s: %v (%s)", name, err, stderr)
		}
	}

	// The program fills the disk through its read-write layer, then ends
	// with status 3: that is vitro's status, and the record's.
	_, stderr, err := runIn(t, e, RunOptions{Name: "filler", Cmd: []string{"sh", "-c", "cat /dev/zero > /fill; exit 3"}})
	if got := exitCodeOf(err); got != 3 {
		t.Errorf("run of a program that fills the disk and exits 3: status %d (%v, %s)", got, err, stderr)
	}
	if free := freeOn(t, root); free > 1<<20 {
		t.Fatalf("the disk is not full after the filler ran: %d bytes free", free)
	}
	if c, err := e.Get("filler"); err != nil || c.State.Status != StatusExited || c.State.ExitCode != 3 {
		t.Errorf("record of filler: %+v, %v; want exited with 3", c, err)
	}
	assertNoAddresses(t, e)

	// A run on the full disk fails, and leaves no directory behind.
	before := containerDirs(t, e)
	if _, _, err := runIn(t, e, RunOptions{Remove: true, Cmd: []string{"true"}}); err == nil {
		t.Error("a run on a full disk succeeded?")
	}
	if after := containerDirs(t, e); len(after) != len(before) {
		t.Errorf("a failed run on a full disk left %v (before: %v)", after, before)
	}
	// A leftover of an older vitro: rm of its ID removes it.
	left := strings.Repeat("ab", 32)
	os.Mkdir(filepath.Join(e.Containers.Dir, left), 0o711)
	if err := e.Remove(left[:12], false); err != nil {
		t.Errorf("rm of a leftover directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(e.Containers.Dir, left)); err == nil {
		t.Error("rm left the leftover directory")
	}

	// rm, rm -f, rmi -f: all on a full disk.
	if err := e.Remove("stopped1", false); err != nil {
		t.Errorf("rm on a full disk: %v", err)
	}
	if err := e.Remove("stopped2", true); err != nil {
		t.Errorf("rm -f on a full disk: %v", err)
	}
	store, err := image.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Remove(context.Background(), "busybox", true); err != nil {
		t.Errorf("rmi -f on a full disk: %v", err)
	}
	if err := e.Remove("filler", false); err != nil {
		t.Errorf("rm of the filler on a full disk: %v", err)
	}
	if free := freeOn(t, root); free < 48<<20 {
		t.Errorf("after rm of every container, %d bytes free of 64 MiB", free)
	}
	if _, err := store.GC(context.Background()); err != nil {
		t.Error(err)
	}
	if es, _ := os.ReadDir(filepath.Join(root, "images", "uses")); len(es) != 0 {
		t.Errorf("image pins left: %d", len(es))
	}
	if d := containerDirs(t, e); len(d) != 0 {
		t.Errorf("container directories left: %v", d)
	}
	assertNothingLeft(t, e)
}

// containerDirs lists the directories under containers/.
func containerDirs(t *testing.T, e *Engine) []string {
	es, _ := os.ReadDir(e.Containers.Dir)
	var out []string
	for _, d := range es {
		if d.IsDir() {
			out = append(out, d.Name())
		}
	}
	return out
}

// assertNoAddresses fails when the pool still has an address allocated.
func assertNoAddresses(t *testing.T, e *Engine) {
	t.Helper()
	s, _ := netdemo.ParseSubnet(e.Config.BIP)
	st, err := netdemo.NewPool(NetworkDir(e.Config.DataRoot), s).State()
	if err == nil && len(st.Addresses()) != 0 {
		t.Errorf("addresses still allocated: %v", st.Addresses())
	}
}
