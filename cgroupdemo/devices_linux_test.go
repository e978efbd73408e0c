package cgroupdemo

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vitro-dev/vitro/internal/testenv"
)

// TestSetDevicesRefusesOtherDevices puts a shell in a cgroup limited to
// docker's default devices and has it open devices: /dev/null opens, and
// /dev/loop-control and a block node it made itself with mknod do not.
// It runs with the host's own driver (devices.allow on v1 and hybrid, the
// eBPF program on v2) and, on a hybrid host, with the eBPF program on the
// controller-less cgroup2 tree too, so both are tested on every host.
func TestSetDevicesRefusesOtherDevices(t *testing.T) {
	testenv.RequirePrivileged(t)
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Fatal("needs /bin/busybox (apt-get install busybox-static)")
	}
	d, err := Detect(DefaultRoot)
	if err != nil {
		t.Fatal(err)
	}
	drivers := []Driver{d}
	if d.Mode() == Hybrid {
		drivers = append(drivers, NewV2(filepath.Join(DefaultRoot, "unified")))
	}
	for _, drv := range drivers {
		how := "devices.allow"
		if drv.Mode() == Unified {
			how = "ebpf"
		}
		t.Run(drv.Mode().String()+"-"+how, func(t *testing.T) {
			name := path.Join(Parent, fmt.Sprintf("test-devices-%d", os.Getpid()))
			cg, err := Create(drv, name)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if err := cg.KillAndRemove(); err != nil {
					t.Errorf("cleanup: %v", err)
				}
				if d.Mode() == Hybrid && drv.Mode() == Unified {
					// vitro/ itself: on a hybrid host nothing else of
					// vitro's lives in the cgroup2 tree.
					os.Remove(filepath.Dir(cg.Dirs()[0]))
				}
			})
			if err := cg.SetDevices(DefaultDevices); err != nil {
				t.Fatal(err)
			}
			node := filepath.Join(t.TempDir(), "loop")
			out := inCgroup(t, cg, fmt.Sprintf(`: </dev/null && echo null-ok
(: </dev/loop-control) 2>/dev/null && echo loop-control-opened
mknod %s b 7 0 && echo mknod-ok
(: <%s) 2>/dev/null && echo loop-opened
exit 0`, node, node))
			if want := "null-ok\nmknod-ok\n"; out != want {
				t.Errorf("inside the cgroup:\n%s\nwant:\n%s", out, want)
			}
		})
	}
}

// inCgroup runs script in a busybox shell that is moved into cg before
// it reads the script from stdin.
func inCgroup(t *testing.T, cg *Cgroup, script string) string {
	t.Helper()
	cmd := exec.Command("/bin/busybox", "sh", "-c", "read go; eval \"$(cat)\"")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	if err := cg.Join(cmd.Process.Pid); err != nil {
		cmd.Process.Kill()
		t.Fatal(err)
	}
	io.WriteString(in, "go\n"+script)
	in.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("shell: %v: %s", err, out.String())
	}
	return out.String()
}
