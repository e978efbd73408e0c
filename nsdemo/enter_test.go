package nsdemo

import (
	"bytes"
	"errors"
	"math"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vitro-dev/vitro/internal/nsenter"
)

// enterOutput runs argv inside the namespaces of pid and returns stdout.
func enterOutput(t *testing.T, pid int, types []string, argv ...string) string {
	t.Helper()
	c, err := Enter(pid, types, argv)
	if err != nil {
		t.Fatalf("Enter(%d, %v): %v", pid, types, err)
	}
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		t.Fatalf("%v in %v of %d: %v: %s", argv, types, pid, err, errb.String())
	}
	return strings.TrimSpace(out.String())
}

func TestEnterUTSDemo(t *testing.T) {
	requireRoot(t)
	host := hostname()
	_, err := UTS(testCtx(t), Options{Hostname: "vitro-enter-test", Ready: func(o Outcome) error {
		pid := o.Summary().ChildPID
		if got := enterOutput(t, pid, []string{"uts"}, "cat", "/proc/sys/kernel/hostname"); got != "vitro-enter-test" {
			t.Errorf("hostname after joining the demo's uts namespace = %q", got)
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if hostname() != host {
		t.Errorf("host hostname changed to %q", hostname())
	}
}

// The mount namespace can only be joined by a single-threaded process:
// this passes only because the C constructor joins before Go starts.
func TestEnterMountDemo(t *testing.T) {
	requireRoot(t)
	_, err := Mnt(testCtx(t), Options{Ready: func(o Outcome) error {
		r := o.(*MntResult)
		file := filepath.Join(r.Target, "hello")
		if got := enterOutput(t, r.ChildPID, []string{"mnt"}, "cat", file); got != "written inside the mount namespace" {
			t.Errorf("%s inside the joined mount namespace = %q", file, got)
		}
		mi := enterOutput(t, r.ChildPID, []string{"mnt"}, "cat", "/proc/self/mountinfo")
		ms, err := ParseMountTable(strings.NewReader(mi))
		if err != nil {
			t.Error(err)
		}
		if m, ok := FindMount(ms, r.Target); !ok || m.FSType != "tmpfs" {
			t.Errorf("joined mountinfo has no tmpfs at %s", r.Target)
		}
		// And without joining, the host sees an empty directory.
		if out, _ := exec.Command("cat", file).CombinedOutput(); !strings.Contains(string(out), "No such file") {
			t.Errorf("the host can read %s: %q", file, out)
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
}

// Joining a user namespace also needs one thread; inside, vitro becomes
// uid 0 of the namespace, like nsenter(1).
func TestEnterUserDemo(t *testing.T) {
	requireRoot(t)
	_, err := User(testCtx(t), Options{Ready: func(o Outcome) error {
		pid := o.Summary().ChildPID
		got := enterOutput(t, pid, []string{"user"}, "cat", "/proc/self/uid_map")
		if strings.Join(strings.Fields(got), " ") != "0 100000 65536" {
			t.Errorf("uid_map after joining = %q", got)
		}
		status := enterOutput(t, pid, []string{"user"}, "grep", "^Uid:", "/proc/self/status")
		if f := strings.Fields(status); len(f) < 2 || f[1] != "0" {
			t.Errorf("uid inside the joined user namespace: %q, want 0", status)
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
}

// --all joins whatever differs and skips what the target shares with us.
func TestEnterAllSkipsShared(t *testing.T) {
	requireRoot(t)
	_, err := IPC(testCtx(t), Options{Ready: func(o Outcome) error {
		c, err := Enter(o.Summary().ChildPID, Names(), []string{"true"})
		if err != nil {
			return err
		}
		defer c.Close()
		if len(c.Joined) != 1 || c.Joined[0] != "ipc" || len(c.Skipped) != len(Types)-1 {
			t.Errorf("joined %v, skipped %v: want only ipc joined", c.Joined, c.Skipped)
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
}

func TestEnterExitStatus(t *testing.T) {
	requireRoot(t)
	_, err := UTS(testCtx(t), Options{Ready: func(o Outcome) error {
		c, err := Enter(o.Summary().ChildPID, []string{"uts"}, []string{"sh", "-c", "exit 7"})
		if err != nil {
			return err
		}
		code, _ := nsenter.ExitStatus(c.Run())
		if code != 7 {
			t.Errorf("exit status %d, want 7", code)
		}
		c, err = Enter(o.Summary().ChildPID, []string{"uts"}, []string{"/nonexistent/vitro-program"})
		if err != nil {
			return err
		}
		c.Stderr = &bytes.Buffer{}
		if code, _ := nsenter.ExitStatus(c.Run()); code != 127 {
			t.Errorf("missing program: exit %d, want 127", code)
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
}

func TestEnterBadInput(t *testing.T) {
	requireRoot(t)
	if _, err := Enter(1, []string{"bogus"}, nil); !errors.Is(err, ErrUnknownType) {
		t.Errorf("unknown type: %v", err)
	}
	if _, err := Enter(math.MaxInt32, []string{"uts"}, nil); !errors.Is(err, nsenter.ErrNoProcess) {
		t.Errorf("PID that does not exist: %v", err)
	}
	// A PID that existed and exited.
	done := exec.Command("true")
	if err := done.Run(); err != nil {
		t.Fatal(err)
	}
	_, err := Enter(done.ProcessState.Pid(), []string{"uts"}, nil)
	if !errors.Is(err, nsenter.ErrNoProcess) || !strings.Contains(err.Error(), "--target") {
		t.Errorf("PID that exited: %v", err)
	}
	if _, err := Enter(1, nil, nil); err == nil {
		t.Error("no namespace type: accepted")
	}
}

// The engine's exec needs a working directory and a user (docker exec -w -u).
func TestEnterDirAndUser(t *testing.T) {
	requireRoot(t)
	_, err := Mnt(testCtx(t), Options{Ready: func(o Outcome) error {
		r := o.(*MntResult)
		c, err := Enter(r.ChildPID, []string{"mnt"}, []string{"sh", "-c", "pwd; id -u; id -g; cat hello"})
		if err != nil {
			return err
		}
		c.Dir, c.User = r.Target, "65534:65533"
		var out, errb bytes.Buffer
		c.Stdout, c.Stderr = &out, &errb
		if err := c.Run(); err != nil {
			t.Fatalf("%v: %s", err, errb.String())
		}
		want := r.Target + "\n65534\n65533\nwritten inside the mount namespace\n"
		if out.String() != want {
			t.Errorf("output %q, want %q", out.String(), want)
		}
		c, err = Enter(r.ChildPID, []string{"mnt"}, []string{"true"})
		if err != nil {
			return err
		}
		c.User = "nobody"
		if err := c.Run(); err == nil {
			t.Error("a non-numeric user was accepted")
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
}

// setns into a PID namespace moves only children, and the kernel refuses
// to make threads while it differs from the caller's own: the constructor
// forks, and the program gets a number inside.
func TestEnterPIDDemo(t *testing.T) {
	requireRoot(t)
	_, err := PID(testCtx(t), Options{Ready: func(o Outcome) error {
		pid := o.Summary().ChildPID
		status := enterOutput(t, pid, []string{"pid"}, "grep", "^NSpid:", "/proc/self/status")
		f := strings.Fields(status)
		if len(f) != 3 {
			t.Fatalf("NSpid of a process in the joined PID namespace = %q, want two levels", status)
		}
		if inside, _ := strconv.Atoi(f[2]); inside <= 1 || inside > 1000 {
			t.Errorf("PID inside = %d, want a small number above 1", inside)
		}
		c, err := Enter(pid, []string{"pid"}, []string{"sh", "-c", "exit 6"})
		if err != nil {
			return err
		}
		if code, _ := nsenter.ExitStatus(c.Run()); code != 6 {
			t.Errorf("exit status through the PID-namespace fork = %d, want 6", code)
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
}
