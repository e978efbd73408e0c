package cmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/vitro-dev/vitro/internal/testenv"
)

func TestLessonList(t *testing.T) {
	root := t.TempDir()
	out, stderr, code := run(t, "--data-root", root, "lesson", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rows []LessonRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) < 12 || rows[0].ID != "why" || rows[0].Finished != 0 {
		t.Fatalf("rows = %+v", rows)
	}
	out, _, _ = run(t, "--data-root", root, "lesson")
	if !strings.Contains(out, "PROGRESS") || !strings.Contains(out, "uts-hostname") {
		t.Errorf("table:\n%s", out)
	}
}

func TestLessonBadInput(t *testing.T) {
	root := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"lesson", "99"}, "lessons are numbered 1 to"},
		{[]string{"lesson", "nosuch"}, `no lesson "nosuch"`},
		{[]string{"lesson", "--student", "Bad Name"}, `student name "Bad Name"`},
		{[]string{"lesson", "1", "--step", "99"}, "not 99"},
		{[]string{"lesson", "1", "--format", "yaml"}, `--format "yaml"`},
		{[]string{"lab", "start", "nosuch"}, "uts-hostname"},
		{[]string{"lab", "check", "uts-hostname", "--student", "zed"}, "vitro lab start uts-hostname"},
	} {
		_, stderr, code := run(t, append([]string{"--data-root", root}, c.args...)...)
		if code != ExitVitro || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, code, stderr, c.want)
		}
	}
}

// TestLessonNoPauseProse plays the first lesson's prose steps as a script
// would: no input is read, and they are all printed.
func TestLessonStepsWithoutPause(t *testing.T) {
	root := t.TempDir()
	out, stderr, code := run(t, "--data-root", root, "lesson", "why", "--no-pause", "--step", "5")
	if code != 0 || !strings.Contains(out, "What the rest of the course builds") || !strings.Contains(out, "complete") {
		t.Fatalf("exit %d, stderr %s\n%s", code, stderr, out)
	}
}

func TestLabListJSON(t *testing.T) {
	out, stderr, code := run(t, "--data-root", t.TempDir(), "lab", "list", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rows []LabRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) < 12 {
		t.Fatalf("%v %+v", err, rows)
	}
}

// TestLabCLI does a lab the way a student does, through the commands.
func TestLabCLI(t *testing.T) {
	testenv.RequirePrivileged(t)
	root := t.TempDir()
	student := fmt.Sprintf("c%x", os.Getpid()%0xffffff)
	lab := func(args ...string) (string, string, int) {
		return run(t, append([]string{"--data-root", root, "lab"}, append(args, "--student", student)...)...)
	}
	t.Cleanup(func() { lab("reset", "uts-hostname") })
	out, stderr, code := lab("start", "uts-hostname")
	if code != 0 || !strings.Contains(out, student+"-uts-lab") || !strings.Contains(out, "VITRO_STUDENT="+student) {
		t.Fatalf("start: exit %d %s\n%s", code, stderr, out)
	}
	out, _, code = lab("check", "uts-hostname")
	if code != 1 || !strings.Contains(out, "✗") || !strings.Contains(out, "hint: start it with unshare --uts") {
		t.Fatalf("check before: exit %d\n%s", code, out)
	}
	if out, _, _ := lab("hint", "uts-hostname"); !strings.Contains(out, "unshare --uts") {
		t.Errorf("hint: %s", out)
	}
	if out, _, _ := lab("solution", "uts-hostname"); !strings.Contains(out, "hostname "+student+"-uts-lab") {
		t.Errorf("solution: %s", out)
	}
	if _, stderr, code := lab("solution", "uts-hostname", "--apply"); code != 0 {
		t.Fatalf("apply: %s", stderr)
	}
	out, _, code = lab("check", "uts-hostname", "--format", "json")
	var res struct {
		Passed bool
		Checks []struct{ OK bool }
	}
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || !res.Passed || len(res.Checks) != 3 {
		t.Fatalf("check after: exit %d\n%s", code, out)
	}
	out, _, _ = run(t, "--data-root", root, "lab", "report", "--format", "json")
	var rows []struct {
		Student, Lab string
		Passed       bool
		Attempts     int
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 1 || !rows[0].Passed || rows[0].Student != student || rows[0].Attempts != 2 {
		t.Fatalf("report: %v %s", err, out)
	}
	out, _, code = lab("reset", "uts-hostname")
	if code != 0 || !strings.Contains(out, "removed process") {
		t.Fatalf("reset: exit %d\n%s", code, out)
	}
	if out, _, _ := lab("list"); !strings.Contains(out, "passed") {
		t.Errorf("list after reset lost the pass:\n%s", out)
	}
}

// ptyOutput collects what the child writes to the terminal.
type ptyOutput struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (p *ptyOutput) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.buf.Write(b)
}

func (p *ptyOutput) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.buf.String()
}

// waitFor waits until the output has n occurrences of s. The deadline
// only stops a hung test; nothing here measures time.
func (p *ptyOutput) waitFor(t *testing.T, s string, n int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for strings.Count(p.String(), s) < n {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %q (×%d); the terminal shows:\n%s", s, n, p.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// playInPTY starts `vitro lesson why` on a pseudo-terminal: this test
// binary re-executed as vitro (see TestMain).
func playInPTY(t *testing.T, root string) (*exec.Cmd, io.Writer, *ptyOutput) {
	t.Helper()
	c := exec.Command(os.Args[0], "--config", filepath.Join(root, "none.json"), "--data-root", root, "lesson", "why")
	c.Env = append(os.Environ(), "VITRO_TEST_CLI=1", "VITRO_STUDENT=", "TERM=xterm")
	f, err := pty.StartWithSize(c, &pty.Winsize{Rows: 40, Cols: 100})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close(); c.Process.Kill() })
	out := &ptyOutput{}
	go io.Copy(out, f)
	return c, f, out
}

// TestLessonInteractive plays the first lesson in a pseudo-terminal:
// it pauses after a step, Enter goes on, q quits, and the next play
// resumes where the student stopped.
func TestLessonInteractive(t *testing.T) {
	root := t.TempDir()
	c, in, out := playInPTY(t, root)
	out.waitFor(t, "step 1 of 5", 1)
	if strings.Contains(out.String(), "2/5") {
		t.Fatalf("did not pause after step 1:\n%s", out.String())
	}
	in.Write([]byte("\r")) // Enter
	out.waitFor(t, "step 2 of 5", 1)
	in.Write([]byte("q"))
	out.waitFor(t, "Stopped at step 2 of 5", 1)
	if err := c.Wait(); err != nil {
		t.Fatalf("vitro lesson exited with %v:\n%s", err, out.String())
	}
	if strings.Contains(out.String(), "3/5") {
		t.Errorf("q did not stop before step 3:\n%s", out.String())
	}

	// Progress is remembered: one step finished.
	list, _, _ := run(t, "--data-root", root, "lesson", "--format", "json")
	var rows []LessonRow
	json.Unmarshal([]byte(list), &rows)
	if len(rows) == 0 || rows[0].Finished != 1 || rows[0].Done {
		t.Fatalf("progress after q: %+v", rows)
	}

	// Playing again resumes at step 2.
	c, in, out = playInPTY(t, root)
	out.waitFor(t, "Resuming lesson 1 (why) at step 2 of 5", 1)
	out.waitFor(t, "step 2 of 5", 1)
	if strings.Contains(out.String(), "1/5") {
		t.Errorf("replayed step 1:\n%s", out.String())
	}
	in.Write([]byte("q"))
	if err := c.Wait(); err != nil {
		t.Fatalf("second play exited with %v", err)
	}
}
