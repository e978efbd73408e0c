package vm

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vitro-dev/vitro/internal/testenv"
)

// requireVM skips t unless qemu, a kernel and a static busybox are here;
// with VITRO_REQUIRE_PRIVILEGED set (CI), it fails instead, since CI's
// set-up installs them.
func requireVM(t *testing.T) Kernel {
	t.Helper()
	missing := func(why string) {
		if os.Getenv(testenv.RequireEnv) != "" {
			t.Fatalf("%s (%s is set; make setup installs qemu-system-x86, linux-image-amd64, busybox-static)", why, testenv.RequireEnv)
		}
		t.Skip(why)
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		missing("qemu-system-x86_64 not found")
	}
	k, err := FindKernel()
	if err != nil {
		missing(err.Error())
	}
	if f, err := os.Open(k.Path); err != nil {
		missing(err.Error())
	} else {
		f.Close()
	}
	testenv.RequireFile(t, "/bin/busybox", "busybox-static")
	return k
}

func initramfsFiles(t *testing.T) []string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(os.TempDir(), "vitro-initramfs-*"))
	return m
}

// One boot proves the harness end to end: cgroup2 alone at
// /sys/fs/cgroup, modules with dependencies loaded, every program's
// status reported, the first failure is the run's status, and nothing is
// left behind.
func TestBootReportsEachProgram(t *testing.T) {
	k := requireVM(t)
	// A temporary directory of this test's own: other boots on the machine
	// (another test binary, make test-cgroup2, vitro check's KVM probe)
	// make and remove their initramfs files in the shared one meanwhile.
	t.Setenv("TMPDIR", t.TempDir())
	before := len(initramfsFiles(t))
	var console strings.Builder
	s := Spec{
		Kernel:      &k,
		ModuleNames: []string{"bridge"},
		Cmdline:     []string{"cgroup_no_v1=all"},
		Guest: Guest{
			CgroupV2: true,
			Env:      map[string]string{"GREETING": "hello vm"},
			Programs: []Program{
				{Name: "cgroup2", Path: "/bin/sh", Args: []string{"-c", "grep -q '^cgroup2 /sys/fs/cgroup cgroup2 ' /proc/mounts"}},
				{Name: "modules", Path: "/bin/sh", Args: []string{"-c", "grep -q '^llc ' /proc/modules && grep -q '^bridge ' /proc/modules"}},
				{Name: "env", Path: "/bin/sh", Args: []string{"-c", `[ "$GREETING" = "hello vm" ]`}},
				{Name: "false", Path: "/bin/false"},
				{Name: "seven", Path: "/bin/sh", Args: []string{"-c", "exit 7"}},
			},
		},
		// Small, to weigh little on the other packages' tests that
		// `go test ./...` runs beside this one.
		MemoryMB: 256,
		CPUs:     1,
		Timeout:  5 * time.Minute,
		Console:  &console,
	}
	b, err := s.Run(context.Background())
	if err != nil {
		t.Fatalf("boot: %v\nconsole:\n%s", err, console.String())
	}
	t.Logf("%s: userspace %s, power-off %s, peak RSS %d MiB", b.Accel, b.Userspace, b.PowerOff, b.PeakRSS>>20)
	want := []ProgramResult{{"cgroup2", 0}, {"modules", 0}, {"env", 0}, {"false", 1}, {"seven", 7}}
	if len(b.Programs) != len(want) {
		t.Fatalf("programs %+v, want %+v\nconsole:\n%s", b.Programs, want, console.String())
	}
	for i := range want {
		if b.Programs[i] != want[i] {
			t.Errorf("program %d: %+v, want %+v", i, b.Programs[i], want[i])
		}
	}
	if b.ExitCode != 1 {
		t.Errorf("run status %d, want 1 (the first failure)", b.ExitCode)
	}
	if b.Userspace <= 0 || b.PowerOff < b.Userspace || b.PeakRSS <= 0 {
		t.Errorf("measurements not taken: %+v", b)
	}
	assertGone(t, b.PID)
	if after := len(initramfsFiles(t)); after != before {
		t.Errorf("temporary initramfs left behind: %d before, %d after", before, after)
	}
}

// A guest that does not finish in time is killed, and the error says so.
func TestBootTimeoutKillsQemu(t *testing.T) {
	k := requireVM(t)
	s := Spec{
		Kernel:   &k,
		Accel:    TCG,
		Guest:    Guest{Programs: []Program{{Name: "forever", Path: "/bin/sleep", Args: []string{"3600"}}}},
		MemoryMB: 256,
		CPUs:     1,
		Timeout:  3 * time.Second,
	}
	b, err := s.Run(context.Background())
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("got %v, want ErrTimeout", err)
	}
	assertGone(t, b.PID)
}

func assertGone(t *testing.T, pid int) {
	t.Helper()
	if pid <= 0 {
		t.Fatal("no qemu PID recorded")
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("qemu PID %d still exists after Run (kill -0: %v)", pid, err)
	}
}
