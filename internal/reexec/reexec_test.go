package reexec_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/testenv"
	"golang.org/x/sys/unix"
)

// The child's report after the parent said "go".
type report struct {
	Hostname string `json:"hostname"`
	Saw      string `json:"saw"` // content of the file the parent wrote before "go"
}

type goData struct {
	Hostname string `json:"hostname"`
	File     string `json:"file"`
}

func init() {
	reexec.Register("test-uts", func() {
		p, err := reexec.Child()
		if err != nil {
			os.Exit(3)
		}
		var g goData
		if err := p.Expect(reexec.MsgGo, &g); err != nil {
			p.SendError(err)
			os.Exit(4)
		}
		// Only now, after "go", look at what the parent prepared.
		saw, err := os.ReadFile(g.File)
		if err != nil {
			p.SendError(err)
			os.Exit(5)
		}
		if err := unix.Sethostname([]byte(g.Hostname)); err != nil {
			p.SendError(err)
			os.Exit(6)
		}
		h, _ := os.Hostname()
		p.Send(reexec.MsgReady, report{Hostname: h, Saw: string(saw)})
	})
}

func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}

func nsInode(t *testing.T, pid int, ns string) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(filepath.Join("/proc", strconv.Itoa(pid), "ns", ns), &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

func TestHandshakeInNewUTSNamespace(t *testing.T) {
	testenv.RequirePrivileged(t)
	before, _ := os.Hostname()

	c, err := reexec.Launch(context.Background(), reexec.Spec{Entry: "test-uts", CloneFlags: syscall.CLONE_NEWUTS, Stderr: os.Stderr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p := c.Sync

	// The child is running but blocked on the socket. Prove the namespace
	// is new, then prepare something it can only see if it waited.
	if a, b := nsInode(t, os.Getpid(), "uts"), nsInode(t, c.Pid, "uts"); a == b {
		t.Fatalf("child's uts namespace %d is the parent's", b)
	}
	file := filepath.Join(t.TempDir(), "prepared")
	if err := os.WriteFile(file, []byte("written before go"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.Send(reexec.MsgGo, goData{Hostname: "vitro-reexec-test", File: file}); err != nil {
		t.Fatal(err)
	}
	var r report
	if err := p.Expect(reexec.MsgReady, &r); err != nil {
		t.Fatalf("child: %v", err)
	}
	if r.Saw != "written before go" {
		t.Errorf("child saw %q: it did not wait for the parent", r.Saw)
	}
	if r.Hostname != "vitro-reexec-test" {
		t.Errorf("hostname inside = %q", r.Hostname)
	}
	if _, err := p.Receive(); err != reexec.ErrClosed {
		t.Errorf("after the child's exit: %v, want ErrClosed", err)
	}
	if err := c.Wait(); err != nil {
		t.Errorf("child exit: %v", err)
	}
	if after, _ := os.Hostname(); after != before {
		t.Errorf("host hostname changed from %q to %q", before, after)
	}
}

func TestChildErrorReachesParent(t *testing.T) {
	testenv.RequirePrivileged(t)
	c, err := reexec.Launch(context.Background(), reexec.Spec{Entry: "test-uts", CloneFlags: syscall.CLONE_NEWUTS})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p := c.Sync
	p.Send(reexec.MsgGo, goData{Hostname: "x", File: "/nonexistent/vitro-test"})
	// The child's error crosses the socket as text.
	err = p.Expect(reexec.MsgReady, nil)
	if err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("error from a child that could not read its file = %v", err)
	}
	c.Wait()
	if code := c.ProcessState().ExitCode(); code != 5 {
		t.Errorf("child exit = %d, want 5", code)
	}
}
