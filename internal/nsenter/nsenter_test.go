package nsenter

import (
	"errors"
	"math"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/testenv"
	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}

// One reason this package has C: from Go, with the runtime's threads
// running, the kernel refuses setns into a mount namespace, even our own
// (the threads share one fs_struct, and a mount namespace change needs it
// unshared). nsdemo's TestWhyTheConstructorExists checks user and time. The goroutine's thread is locked and never unlocked, so it
// is thrown away whatever happens.
func TestGoCannotJoinAMountNamespace(t *testing.T) {
	testenv.RequirePrivileged(t)
	fd, err := unix.Open("/proc/self/ns/mnt", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	res := make(chan error)
	go func() {
		runtime.LockOSThread()
		res <- unix.Setns(fd, unix.CLONE_NEWNS)
	}()
	if err := <-res; !errors.Is(err, unix.EINVAL) {
		t.Fatalf("setns(mnt) from a multi-threaded Go process = %v, want EINVAL", err)
	}
}

func TestCommandBadInput(t *testing.T) {
	if !Supported {
		t.Skip("built without cgo")
	}
	if _, err := Command(os.Getpid(), []string{"bogus"}, nil); err == nil {
		t.Error("unknown namespace type accepted")
	}
	if _, err := Command(os.Getpid(), nil, nil); err == nil {
		t.Error("no namespace type accepted")
	}
	if _, err := Command(0, []string{"uts"}, nil); err == nil {
		t.Error("PID 0 accepted")
	}
	if _, err := Command(math.MaxInt32, []string{"uts"}, nil); !errors.Is(err, ErrNoProcess) {
		t.Errorf("PID that does not exist: %v", err)
	}
}

// Our own namespaces are skipped, as nsenter --all does: joining one's own
// user namespace would be EINVAL.
func TestCommandSkipsSharedNamespaces(t *testing.T) {
	if !Supported {
		t.Skip("built without cgo")
	}
	c, err := Command(os.Getpid(), Order, []string{"true"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if len(c.Joined) != 0 || len(c.Skipped) != len(Order) {
		t.Errorf("joined %v, skipped %v: want all skipped", c.Joined, c.Skipped)
	}
}

func TestExitStatus(t *testing.T) {
	if code, ok := ExitStatus(nil); !ok || code != 0 {
		t.Errorf("nil = %d %v", code, ok)
	}
	if _, ok := ExitStatus(errors.New("x")); ok {
		t.Error("a non-exit error gave a status")
	}
}

// The constructor's own error paths: it must stop the process, with one
// line naming the problem, before any Go code runs.
func TestConstructorRefusesBadInput(t *testing.T) {
	if !Supported {
		t.Skip("built without cgo")
	}
	for spec, want := range map[string]string{
		"garbage":    "parsing _VITRO_NSENTER",
		"bogus:3":    "unknown bogus namespace",
		"uts:99":     "joining uts namespace (fd 99)",
		",uts:3":     "parsing _VITRO_NSENTER",
		"user:1000x": "joining user namespace (fd 1000)",
	} {
		cmd := exec.Command("/proc/self/exe", "-test.run=^$")
		cmd.Env = append(os.Environ(), Env+"="+spec)
		out, err := cmd.CombinedOutput()
		code, _ := ExitStatus(err)
		if code != 125 || !strings.Contains(string(out), want) {
			t.Errorf("%s=%q: exit %d, output %q; want 125 and %q", Env, spec, code, out, want)
		}
	}
}
