package guesttest

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/vitro-dev/vitro/cgroupdemo"
	"golang.org/x/sys/unix"
)

// inGuest skips t unless it runs in the vitro VM, whose /init sets
// VITRO_VM_GUEST=1.
func inGuest(t *testing.T) {
	t.Helper()
	if os.Getenv("VITRO_VM_GUEST") != "1" {
		t.Skip("runs only inside the vitro VM: make test-cgroup2")
	}
}

func TestCgroupRootIsCgroup2(t *testing.T) {
	inGuest(t)
	var st unix.Statfs_t
	if err := unix.Statfs("/sys/fs/cgroup", &st); err != nil {
		t.Fatalf("statfs /sys/fs/cgroup: %v", err)
	}
	if st.Type != unix.CGROUP2_SUPER_MAGIC {
		t.Fatalf("/sys/fs/cgroup has filesystem magic %#x, want cgroup2 (%#x)", st.Type, unix.CGROUP2_SUPER_MAGIC)
	}
}

func TestNoV1Hierarchy(t *testing.T) {
	inGuest(t)
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// ... mount-point ... - fstype source options
		_, after, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		if fs := strings.Fields(after); len(fs) > 0 && fs[0] == "cgroup" {
			t.Errorf("a cgroup v1 hierarchy is mounted: %s", sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	cmdline, err := os.ReadFile("/proc/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cmdline), "cgroup_no_v1=all") {
		t.Errorf("kernel command line %q lacks cgroup_no_v1=all: v1 hierarchies could be mounted", strings.TrimSpace(string(cmdline)))
	}
}

func TestControllersEnabled(t *testing.T) {
	inGuest(t)
	b, err := os.ReadFile("/sys/fs/cgroup/cgroup.subtree_control")
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, c := range strings.Fields(string(b)) {
		have[c] = true
	}
	for _, want := range []string{"cpu", "cpuset", "memory", "pids", "io"} {
		if !have[want] {
			t.Errorf("controller %s not enabled in the root's cgroup.subtree_control (%q)", want, strings.TrimSpace(string(b)))
		}
	}
}

func TestInitOutOfRoot(t *testing.T) {
	inGuest(t)
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	// v2 only: a single line "0::/path".
	if got := strings.TrimSpace(string(b)); got != "0::/init.scope" {
		t.Errorf("/proc/self/cgroup = %q, want 0::/init.scope (one v2 line, out of the root cgroup)", got)
	}
}

// The detection vitro itself uses must agree with the kernel.
func TestDetectModeUnified(t *testing.T) {
	inGuest(t)
	mode, err := cgroupdemo.DetectMode(cgroupdemo.DefaultRoot)
	if err != nil {
		t.Fatal(err)
	}
	if mode != cgroupdemo.Unified {
		t.Fatalf("cgroupdemo.DetectMode(%s) = %s, want v2", cgroupdemo.DefaultRoot, mode)
	}
}
