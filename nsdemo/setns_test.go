package nsdemo

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/vitro-dev/vitro/internal/reexec"

	"golang.org/x/sys/unix"
)

func init() {
	reexec.Register("nsdemo-test-setns-mnt", func() {
		pid, _ := strconv.Atoi(os.Args[1])
		if err := goSetns(pid, "mnt", unix.CLONE_NEWNS, true); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	})
}

// goSetns tries setns from Go itself, on a locked thread that is thrown
// away afterwards (the goroutine ends without unlocking).
func goSetns(pid int, typ string, flag int, unshareFS bool) error {
	res := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		fd, err := unix.Open(fmt.Sprintf("/proc/%d/ns/%s", pid, typ), unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			res <- err
			return
		}
		defer unix.Close(fd)
		if unshareFS {
			if err := unix.Unshare(unix.CLONE_FS); err != nil {
				res <- err
				return
			}
		}
		res <- unix.Setns(fd, flag)
	}()
	return <-res
}

// The table in docs/setns-constructor.md, checked against this kernel:
// from a multi-threaded Go process, user and time namespaces cannot be
// joined at all, and a mount namespace only by a thread that first
// unshares its filesystem context (and then that thread alone is inside).
func TestWhyTheConstructorExists(t *testing.T) {
	requireRoot(t)
	if _, err := User(testCtx(t), Options{Ready: func(o Outcome) error {
		if err := goSetns(o.Summary().ChildPID, "user", unix.CLONE_NEWUSER, false); !errors.Is(err, unix.EINVAL) {
			t.Errorf("setns(user) from Go = %v, want EINVAL", err)
		}
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := Time(testCtx(t), Options{Ready: func(o Outcome) error {
		if err := goSetns(o.Summary().ChildPID, "time", unix.CLONE_NEWTIME, false); !errors.Is(err, unix.EUSERS) {
			t.Errorf("setns(time) from Go = %v, want EUSERS", err)
		}
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := Mnt(testCtx(t), Options{Ready: func(o Outcome) error {
		pid := o.Summary().ChildPID
		if err := goSetns(pid, "mnt", unix.CLONE_NEWNS, false); !errors.Is(err, unix.EINVAL) {
			t.Errorf("setns(mnt) from Go = %v, want EINVAL", err)
		}
		// The successful case runs in a throwaway process: the locked
		// thread could be this process's main thread, which Go never ends,
		// and it would stay in the demo's mount namespace.
		cmd := reexec.Command("nsdemo-test-setns-mnt", strconv.Itoa(pid))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("setns(mnt) from Go after unshare(CLONE_FS): %v: %s (want success, for that one thread)", err, out)
		}
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
}
