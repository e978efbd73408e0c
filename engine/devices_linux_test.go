package engine

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// loopDevice binds a loop device to a temporary file holding data, as
// losetup does but through /dev/loop-control's ioctls, and undoes it
// (and removes a loop device it had to add) when the test ends.
func loopDevice(t *testing.T, data []byte) (minor int, backing string) {
	t.Helper()
	backing = filepath.Join(t.TempDir(), "disk.img")
	img := make([]byte, 64<<10)
	copy(img, data)
	if err := os.WriteFile(backing, img, 0o600); err != nil {
		t.Fatal(err)
	}
	ctl, err := unix.Open("/dev/loop-control", unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("opening /dev/loop-control: %v", err)
	}
	defer unix.Close(ctl)
	n, err := unix.IoctlRetInt(ctl, unix.LOOP_CTL_GET_FREE)
	if err != nil {
		t.Fatalf("ioctl(LOOP_CTL_GET_FREE): %v", err)
	}
	node := fmt.Sprintf("/dev/loop%d", n)
	_, statErr := os.Stat(node)
	madeNode := false
	if statErr != nil { // no devtmpfs node yet: make one, removed at the end
		if err := unix.Mknod(node, unix.S_IFBLK|0o600, int(unix.Mkdev(7, uint32(n)))); err != nil {
			t.Fatal(err)
		}
		madeNode = true
	}
	loop, err := unix.Open(node, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	f, err := unix.Open(backing, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(f)
	if err := unix.IoctlSetInt(loop, unix.LOOP_SET_FD, f); err != nil {
		unix.Close(loop)
		t.Fatalf("ioctl(%s, LOOP_SET_FD): %v", node, err)
	}
	t.Cleanup(func() {
		if err := unix.IoctlSetInt(loop, unix.LOOP_CLR_FD, 0); err != nil {
			t.Errorf("ioctl(%s, LOOP_CLR_FD): %v", node, err)
		}
		unix.Close(loop)
		if madeNode {
			os.Remove(node)
			if c, err := unix.Open("/dev/loop-control", unix.O_RDWR|unix.O_CLOEXEC, 0); err == nil {
				unix.IoctlSetInt(c, unix.LOOP_CTL_REMOVE, n)
				unix.Close(c)
			}
		}
	})
	return n, backing
}

// TestDeviceCgroupStopsHostDisk is the attack of issue 14: with
// CAP_MKNOD (in docker's default set) a container makes a node for the
// host's loop device and reads and writes the host's disk through it.
// The devices cgroup allows mknod but refuses read and write; with
// --privileged both work, as in docker.
func TestDeviceCgroupStopsHostDisk(t *testing.T) {
	e := testEngine(t)
	secret := []byte("HOSTDISK-SECRET")
	minor, backing := loopDevice(t, secret)
	script := fmt.Sprintf(`mknod /l b 7 %d && echo mknod-ok
dd if=/l bs=15 count=1 2>/dev/null; echo
echo PWNED | dd of=/l conv=notrunc 2>/dev/null && echo write-ok
exit 0`, minor)
	out, stderr, err := runIn(t, e, RunOptions{Remove: true, Cmd: []string{"sh", "-c", script}})
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if !strings.Contains(out, "mknod-ok") {
		t.Errorf("mknod (allowed by docker's rules) failed: %q %s", out, stderr)
	}
	if strings.Contains(out, string(secret)) || strings.Contains(out, "write-ok") {
		t.Errorf("a default container read or wrote the host's loop device:\n%s", out)
	}
	if b, _ := os.ReadFile(backing); !bytes.HasPrefix(b, secret) {
		t.Errorf("the host's disk changed: starts %q", b[:15])
	}
	out, stderr, err = runIn(t, e, RunOptions{Remove: true, Privileged: true, Cmd: []string{"sh", "-c", script}})
	if err != nil {
		t.Fatalf("--privileged: %v\n%s", err, stderr)
	}
	if !strings.Contains(out, string(secret)) {
		t.Errorf("--privileged cannot read the loop device it made:\n%s%s", out, stderr)
	}
	assertNothingLeft(t, e)
}

// TestDeviceFlag gives one host device with --device and checks that the
// container sees it at the path asked for, with the access asked for.
func TestDeviceFlag(t *testing.T) {
	e := testEngine(t)
	minor, _ := loopDevice(t, []byte("GIVEN-DISK"))
	host := fmt.Sprintf("/dev/loop%d", minor)
	script := `ls -l /dev/xvda; dd if=/dev/xvda bs=10 count=1 2>/dev/null; echo; echo x | dd of=/dev/xvda 2>/dev/null && echo write-ok; exit 0`
	out, stderr, err := runIn(t, e, RunOptions{Remove: true, Devices: []string{host + ":/dev/xvda:r"}, Cmd: []string{"sh", "-c", script}})
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if !strings.Contains(out, "GIVEN-DISK") || strings.Contains(out, "write-ok") || !strings.Contains(out, fmt.Sprintf("7, %3d", minor)) {
		t.Errorf("--device %s:/dev/xvda:r: want the node, read allowed, write refused:\n%s%s", host, out, stderr)
	}
	for _, bad := range []string{"/etc/passwd", "/dev/null:/dev/n:rx", "relative", "/nonexistent-device"} {
		if _, _, err := runIn(t, e, RunOptions{Remove: true, Devices: []string{bad}, Cmd: []string{"true"}}); err == nil {
			t.Errorf("--device %q accepted", bad)
		}
	}
	assertNothingLeft(t, e)
}
