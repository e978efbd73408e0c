package reexec_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/testenv"
	"golang.org/x/sys/unix"
)

// What a child in a user namespace reports.
type ids struct {
	UID, GID int
	UIDMap   string
}

func init() {
	// test-echo answers every message with "echo" and its data, until the
	// socket closes: a child that lives as long as its parent lets it.
	reexec.Register("test-echo", func() {
		p, err := reexec.Child()
		if err != nil {
			os.Exit(3)
		}
		for {
			m, err := p.Receive()
			if err != nil {
				os.Exit(0)
			}
			p.Send("echo", m.Data)
		}
	})
	reexec.Register("test-ids", func() {
		p, err := reexec.Child()
		if err != nil {
			os.Exit(3)
		}
		m, _ := os.ReadFile("/proc/self/uid_map")
		p.Send(reexec.MsgReady, ids{UID: os.Getuid(), GID: os.Getgid(), UIDMap: strings.Join(strings.Fields(string(m)), " ")})
	})
	// test-idle does nothing until killed, whatever becomes of its
	// parent or its socket.
	reexec.Register("test-idle", func() {
		for {
			unix.Pause()
		}
	})
	// test-parent launches a test-idle child of its own, reports its PID,
	// and waits to be killed: the middle of three generations.
	reexec.Register("test-parent", func() {
		p, err := reexec.Child()
		if err != nil {
			os.Exit(3)
		}
		c, err := reexec.Launch(context.Background(), reexec.Spec{Entry: "test-idle"})
		if err != nil {
			p.SendError(err)
			os.Exit(4)
		}
		p.Send(reexec.MsgReady, c.Pid)
		p.Receive()
		os.Exit(0)
	})
}

// echo proves the child runs and answers.
func echo(t *testing.T, c *reexec.Process, word string) {
	t.Helper()
	if err := c.Sync.Send("say", word); err != nil {
		t.Fatalf("child %d: %v", c.Pid, err)
	}
	var got string
	if err := c.Sync.Expect("echo", &got); err != nil || got != word {
		t.Fatalf("child %d answered %q, %v; want %q", c.Pid, got, err, word)
	}
}

// alive tells whether pid runs and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && len(s) > i+2 && s[i+2] != 'Z' && s[i+2] != 'X'
}

// waitUntil polls cond for up to ten seconds: for what the kernel does
// asynchronously (a signal delivered, a thread gone).
func waitUntil(cond func() bool) bool {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// TestDeathSignalKillsChildWhenParentDies: with three generations (this
// test, test-parent, test-idle), killing the middle one must kill its
// child, which nothing else would stop: it ignores its socket closing.
func TestDeathSignalKillsChildWhenParentDies(t *testing.T) {
	parent, err := reexec.Launch(context.Background(), reexec.Spec{Entry: "test-parent", Stderr: os.Stderr})
	if err != nil {
		t.Fatal(err)
	}
	defer parent.Close()
	var grandchild int
	if err := parent.Sync.Expect(reexec.MsgReady, &grandchild); err != nil {
		t.Fatal(err)
	}
	start := statStart(grandchild)
	t.Cleanup(func() {
		if alive(grandchild) && statStart(grandchild) == start {
			unix.Kill(grandchild, unix.SIGKILL)
		}
	})
	if !alive(grandchild) {
		t.Fatalf("grandchild %d is not running before its parent dies", grandchild)
	}
	parent.Kill()
	parent.Wait()
	if !waitUntil(func() bool { return !alive(grandchild) || statStart(grandchild) != start }) {
		t.Fatalf("grandchild %d still runs 10s after its parent was killed: no death signal", grandchild)
	}
}

// statStart is a process's start time (field 22 of /proc/PID/stat), to
// tell it from a later process with a reused PID.
func statStart(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 20 {
		return ""
	}
	return f[19]
}

// TestChildOutlivesTheStartingThread: the death signal is tied to the
// thread that cloned the child. A caller that launches from a locked
// goroutine and then throws its thread away (returns without unlocking,
// as code does after switching a thread's namespace) must not take the
// child with it.
func TestChildOutlivesTheStartingThread(t *testing.T) {
	type launched struct {
		c   *reexec.Process
		tid int
		err error
	}
	ch := make(chan launched, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		c, err := reexec.Launch(context.Background(), reexec.Spec{Entry: "test-echo"})
		ch <- launched{c, unix.Gettid(), err}
	}()
	l := <-ch
	if l.err != nil {
		t.Fatal(l.err)
	}
	defer l.c.Close()
	task := fmt.Sprintf("/proc/self/task/%d", l.tid)
	if !waitUntil(func() bool { _, err := os.Stat(task); return err != nil }) {
		t.Fatalf("thread %d of the launching goroutine did not end", l.tid)
	}
	// A death signal in flight would be delivered by now; check twice,
	// the second time after a round trip through the child.
	if !alive(l.c.Pid) {
		t.Fatalf("child %d died with the thread %d that called Launch", l.c.Pid, l.tid)
	}
	echo(t, l.c, "still here")
}

// TestCancelLeavesNothing: cancelling the context kills the child, and
// once Close returns no process and no descriptor of it is left.
func TestCancelLeavesNothing(t *testing.T) {
	before := openFDs(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := reexec.Launch(ctx, reexec.Spec{Entry: "test-echo", Stdout: new(strings.Builder)})
	if err != nil {
		t.Fatal(err)
	}
	echo(t, c, "before")
	cancel()
	if !waitUntil(func() bool { return !alive(c.Pid) }) {
		c.Close()
		t.Fatalf("child %d still runs 10s after its context was cancelled", c.Pid)
	}
	if _, err := c.Sync.Receive(); !errors.Is(err, reexec.ErrClosed) {
		t.Errorf("a receive blocked across the cancel returned %v, want ErrClosed", err)
	}
	err = c.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Errorf("after cancel the child ended with %v, want killed by SIGKILL", err)
	}
	c.Close()
	c.Close() // twice is fine
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", c.Pid)); err == nil {
		t.Errorf("process %d still exists (not reaped)", c.Pid)
	}
	if after := openFDs(t); after != before {
		t.Errorf("%d open descriptors before Launch, %d after Close", before, after)
	}
	if _, err := reexec.Launch(ctx, reexec.Spec{Entry: "test-echo"}); !errors.Is(err, context.Canceled) {
		t.Errorf("Launch with a cancelled context = %v, want context.Canceled", err)
	}
}

// TestOnCancel: a child set to get nothing on cancel keeps running; one
// set to get SIGTERM gets it.
func TestOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	keep, err := reexec.Launch(ctx, reexec.Spec{Entry: "test-echo"})
	if err != nil {
		t.Fatal(err)
	}
	defer keep.Close()
	term, err := reexec.Launch(ctx, reexec.Spec{Entry: "test-echo"})
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	keep.OnCancel(0)
	term.OnCancel(syscall.SIGTERM)
	cancel()
	select {
	case <-term.Done():
	case <-time.After(10 * time.Second):
		t.Fatalf("child %d set to get SIGTERM on cancel still runs 10s after it", term.Pid)
	}
	var ee *exec.ExitError
	if err := term.Wait(); !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGTERM {
		t.Errorf("child set to get SIGTERM ended with %v", err)
	}
	echo(t, keep, "not cancelled")
}

func TestStartFailureLeavesNothing(t *testing.T) {
	before := openFDs(t)
	refused := errors.New("refused by the test")
	t.Cleanup(reexec.ReplaceStart(func(*exec.Cmd) error { return refused }))
	_, err := reexec.Launch(context.Background(), reexec.Spec{Entry: "test-echo", CloneFlags: unix.CLONE_NEWUTS})
	var se *reexec.StartError
	if !errors.As(err, &se) || !errors.Is(err, refused) || se.Flags != unix.CLONE_NEWUTS || se.Entry != "test-echo" {
		t.Fatalf("Launch = %#v, want a StartError of test-echo with CLONE_NEWUTS wrapping the refusal", err)
	}
	if after := openFDs(t); after != before {
		t.Errorf("%d open descriptors before the failed Launch, %d after", before, after)
	}
}

// TestUserNamespaceMaps: the maps are written before the child runs vitro,
// so it starts as root of its namespace, which is an ordinary uid outside.
func TestUserNamespaceMaps(t *testing.T) {
	testenv.RequirePrivileged(t)
	c, err := reexec.Launch(context.Background(), reexec.Spec{
		Entry: "test-ids", CloneFlags: unix.CLONE_NEWUSER,
		UIDMap:     []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}},
		GIDMap:     []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}},
		Credential: &syscall.Credential{Uid: 0, Gid: 0},
		Stderr:     os.Stderr,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if nsInode(t, os.Getpid(), "user") == nsInode(t, c.Pid, "user") {
		t.Error("the child shares this process's user namespace")
	}
	var got ids
	if err := c.Sync.Expect(reexec.MsgReady, &got); err != nil {
		t.Fatal(err)
	}
	if got.UID != 0 || got.GID != 0 || got.UIDMap != "0 0 1" {
		t.Errorf("inside: %+v; want uid 0, gid 0, uid_map \"0 0 1\"", got)
	}
}

// testCgroup makes a cgroup in the cgroup2 hierarchy (/sys/fs/cgroup on
// pure v2, /sys/fs/cgroup/unified on hybrid) and returns its path there
// and its directory opened as clone3 wants it.
func testCgroup(t *testing.T) (string, *os.File) {
	t.Helper()
	testenv.RequirePrivileged(t)
	mnt := cgroup2Mount(t)
	name := "/" + testenv.Name("vtreexec")
	dir := filepath.Join(mnt, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.Remove(dir); err != nil {
			t.Errorf("removing the test cgroup: %v", err)
		}
	})
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), dir)
	t.Cleanup(func() { f.Close() })
	return name, f
}

func cgroup2Mount(t *testing.T) string {
	f, err := os.Open("/proc/self/mounts")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fs := strings.Fields(sc.Text()); len(fs) > 2 && fs[2] == "cgroup2" {
			return fs[1]
		}
	}
	t.Fatal("no cgroup2 hierarchy mounted: this test needs pure v2 or hybrid")
	return ""
}

// cgroupOf is the child's cgroup2 path (the "0::" line).
func cgroupOf(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(l, "0::"); ok {
			return p
		}
	}
	return ""
}

// TestCloneIntoCgroup: born in the cgroup; and when the kernel refuses
// clone3's cgroup argument, started again without it, outside, for the
// caller to move.
func TestCloneIntoCgroup(t *testing.T) {
	name, dir := testCgroup(t)
	outside := cgroupOf(os.Getpid())
	c, err := reexec.Launch(context.Background(), reexec.Spec{Entry: "test-echo", CgroupDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if got := cgroupOf(c.Pid); !c.IntoCgroup || got != name {
		t.Errorf("IntoCgroup %v, child in %q; want true, %q", c.IntoCgroup, got, name)
	}
	c.Close()

	for _, refusal := range []syscall.Errno{unix.ENOSYS, unix.EINVAL} {
		tried := 0
		restore := reexec.ReplaceStart(func(cmd *exec.Cmd) error {
			if cmd.SysProcAttr.UseCgroupFD {
				tried++
				return &os.PathError{Op: "fork/exec", Path: cmd.Path, Err: refusal}
			}
			return cmd.Start()
		})
		c, err := reexec.Launch(context.Background(), reexec.Spec{Entry: "test-echo", CgroupDir: dir})
		restore()
		if err != nil {
			t.Fatalf("refused with %v: %v", refusal, err)
		}
		if got := cgroupOf(c.Pid); c.IntoCgroup || tried != 1 || got != outside {
			t.Errorf("refused with %v: IntoCgroup %v, clone3 tried %d times, child in %q; want false, 1, %q (this process's)",
				refusal, c.IntoCgroup, tried, got, outside)
		}
		echo(t, c, "started again")
		c.Close()
	}

	// Any other refusal is an error that says how the start was tried.
	restore := reexec.ReplaceStart(func(cmd *exec.Cmd) error {
		return &os.PathError{Op: "fork/exec", Path: cmd.Path, Err: unix.EBUSY}
	})
	defer restore()
	_, err = reexec.Launch(context.Background(), reexec.Spec{Entry: "test-echo", CgroupDir: dir})
	var se *reexec.StartError
	if !errors.As(err, &se) || !se.IntoCgroup || !errors.Is(err, unix.EBUSY) {
		t.Errorf("clone3 refused with EBUSY: Launch = %v, want a StartError with IntoCgroup", err)
	}
}
