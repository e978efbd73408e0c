package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/testenv"
)

// TestMain lets the test binary act as vitro: the CLI tests re-execute it
// (as another user, say) with VITRO_TEST_CLI set.
func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	if os.Getenv("VITRO_TEST_CLI") == "1" {
		os.Exit(Execute(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// run executes vitro in-process with a config file that does not exist
// (so defaults apply) and returns stdout, stderr and the exit status.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	args = append([]string{"--config", filepath.Join(t.TempDir(), "none.json")}, args...)
	code := Execute(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

func TestInfoJSON(t *testing.T) {
	out, stderr, code := run(t, "info", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("info --format json is not JSON: %v\n%s", err, out)
	}
	for _, k := range []string{"Kernel", "CgroupMode", "Namespaces", "DataRoot", "Containers"} {
		if _, ok := m[k]; !ok {
			t.Errorf("info JSON lacks %s", k)
		}
	}
}

func TestInfoTemplate(t *testing.T) {
	out, stderr, code := run(t, "info", "--format", "{{.CgroupMode}}|{{.DataRoot}}", "--data-root", "/tmp/vitro-x")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	mode, root, _ := strings.Cut(strings.TrimSpace(out), "|")
	switch mode {
	case "v1", "hybrid", "v2", "unavailable":
	default:
		t.Errorf("CgroupMode = %q", mode)
	}
	if root != "/tmp/vitro-x" {
		t.Errorf("--data-root not applied: DataRoot = %q", root)
	}
}

func TestBadTemplateIsAnError(t *testing.T) {
	_, stderr, code := run(t, "info", "--format", "{{.NoSuchField}}")
	if code != ExitVitro || !strings.Contains(stderr, "NoSuchField") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestBadConfigNamesKey(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config.json")
	os.WriteFile(p, []byte(`{"bip": "10.0.0.1/33"}`), 0o644)
	var out, errb bytes.Buffer
	code := Execute(context.Background(), []string{"--config", p, "info"}, &out, &errb)
	if code != ExitVitro || !strings.Contains(errb.String(), `bip "10.0.0.1/33"`) {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
}

func TestBadTraceLevel(t *testing.T) {
	_, stderr, code := run(t, "--trace=loud", "version")
	if code != ExitVitro || !strings.Contains(stderr, `"loud"`) {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestVersion(t *testing.T) {
	out, _, code := run(t, "version", "--format", "{{.GoVersion}}")
	if code != 0 || !strings.HasPrefix(out, "go1.") {
		t.Fatalf("exit %d, out %q", code, out)
	}
}

func TestCheckAsRoot(t *testing.T) {
	testenv.RequirePrivileged(t)
	out, stderr, code := run(t, "check", "--format", "json")
	var rs []struct{ Name, Status string }
	if err := json.Unmarshal([]byte(out), &rs); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	failed := false
	for _, r := range rs {
		if r.Name == "root" && r.Status != "OK" {
			t.Errorf("root check as root = %s", r.Status)
		}
		if r.Status == "MISSING" {
			failed = true
		}
	}
	if (code != 0) != failed {
		t.Errorf("exit %d with a MISSING requirement = %v (stderr %s)", code, failed, stderr)
	}
}

// TestCheckWithoutRoot runs the CLI as user nobody: it must exit 1, say
// which checks need root, and print no stack trace.
func TestCheckWithoutRoot(t *testing.T) {
	testenv.RequirePrivileged(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// t.TempDir's parent is private to root: nobody could not reach it.
	dir, err := os.MkdirTemp("", "vitro-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	bin := filepath.Join(dir, "vitro.test")
	b, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	c := exec.Command(bin, "--config", "/nonexistent/config.json", "check")
	c.Env = append(os.Environ(), "VITRO_TEST_CLI=1")
	c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err = c.Run()
	if c.ProcessState == nil {
		t.Fatal(err)
	}
	if code := c.ProcessState.ExitCode(); code != 1 {
		t.Errorf("exit %d as nobody, want 1\n%s%s", code, out.String(), errb.String())
	}
	all := out.String() + errb.String()
	for _, want := range []string{"NEEDS ROOT", "MISSING", "run as root"} {
		if !strings.Contains(all, want) {
			t.Errorf("output lacks %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, "goroutine ") || strings.Contains(all, "panic") {
		t.Errorf("stack trace in output:\n%s", all)
	}
}

func TestTableFormat(t *testing.T) {
	var b bytes.Buffer
	tb := &Table{Header: []string{"name", "value"}}
	tb.Append("a", "1")
	tb.Append("longer", "22")
	if err := writeTable(&b, tb); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME") || strings.HasSuffix(lines[1], " ") {
		t.Fatalf("table:\n%q", b.String())
	}
	if strings.Index(lines[1], "1") != strings.Index(lines[0], "VALUE") {
		t.Errorf("columns not aligned:\n%s", b.String())
	}
}
