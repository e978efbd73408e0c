package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestUnknownSubcommandOfGroup(t *testing.T) {
	for _, group := range []string{"fs", "net", "cgroup", "image", "lab", "registry"} {
		out, stderr, code := run(t, group, "bogus")
		want := `unknown command "bogus" for "vitro ` + group + `"`
		if code != ExitVitro || !strings.Contains(stderr, want) || !strings.Contains(stderr, "--help") {
			t.Errorf("vitro %s bogus: exit %d, stderr %q, stdout %.60q", group, code, stderr, out)
		}
		// Without a subcommand the group shows its help and succeeds.
		out, stderr, code = run(t, group)
		if code != 0 || !strings.Contains(out, "Available Commands:") {
			t.Errorf("vitro %s: exit %d, stderr %q, stdout %.60q", group, code, stderr, out)
		}
	}
	for _, args := range [][]string{{"bogus"}, {"ns", "bogus"}} {
		if _, stderr, code := run(t, args...); code != ExitVitro || !strings.Contains(stderr, "bogus") {
			t.Errorf("vitro %v: exit %d, stderr %q", args, code, stderr)
		}
	}
}

func TestUnknownSubcommandSuggests(t *testing.T) {
	_, stderr, code := run(t, "fs", "overlai")
	if code != ExitVitro || !strings.Contains(stderr, "overlay") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestArgCountErrorsNameCommandAndUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"run"}, []string{"vitro run: requires at least 1 arg(s), only received 0", "Usage: vitro run [OPTIONS] IMAGE [COMMAND [ARG...]]\n"}},
		{[]string{"create"}, []string{"vitro create: requires at least 1 arg(s)", "Usage: vitro create "}},
		{[]string{"tag", "a"}, []string{"vitro tag: accepts 2 arg(s), received 1", "Usage: vitro tag "}},
		{[]string{"inspect"}, []string{"vitro inspect: requires at least 1 arg(s)", "Usage: vitro inspect CONTAINER..."}},
		{[]string{"cgroup", "rm"}, []string{"vitro cgroup rm: requires at least 1 arg(s)", "Usage: vitro cgroup rm "}},
		{[]string{"ps", "extra"}, []string{`vitro ps: takes no arguments, got "extra"`, "Usage: vitro ps"}},
	} {
		out, stderr, code := run(t, tc.args...)
		if code != ExitVitro || out != "" {
			t.Errorf("vitro %v: exit %d, stdout %q", tc.args, code, out)
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("vitro %v: stderr lacks %q:\n%s", tc.args, w, stderr)
			}
		}
		if strings.HasPrefix(stderr, "vitro: vitro") {
			t.Errorf("vitro %v: doubled prefix: %q", tc.args, stderr)
		}
	}
}

func TestFlagValueErrorIsPlain(t *testing.T) {
	_, stderr, code := run(t, "ns", "ls", "--pid", "abc")
	if code != ExitVitro {
		t.Errorf("exit %d", code)
	}
	if !strings.Contains(stderr, `vitro ns ls: --pid "abc": want a whole number`) || strings.Contains(stderr, "strconv") {
		t.Errorf("stderr %q", stderr)
	}
	_, stderr, code = run(t, "ns", "ls", "--bogus")
	if code != ExitVitro || !strings.Contains(stderr, "vitro ns ls: unknown flag: --bogus") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestVersionFlag(t *testing.T) {
	out, stderr, code := run(t, "--version")
	if code != 0 || out != "vitro version "+Version+"\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	out, _, code = run(t, "version", "--format", "{{.Version}}")
	if code != 0 || out != Version+"\n" {
		t.Errorf("vitro version: exit %d, %q", code, out)
	}
}

// --trace-file asks for a trace as --trace-format does; --trace=off still
// wins. trace.Open creates the file only when tracing is on.
func TestTraceFileImpliesTrace(t *testing.T) {
	dir := t.TempDir()
	on := filepath.Join(dir, "on.trace")
	if _, stderr, code := run(t, "--trace-file", on, "version"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(on); err != nil {
		t.Errorf("--trace-file without --trace wrote no trace: %v", err)
	}
	off := filepath.Join(dir, "off.trace")
	if _, stderr, code := run(t, "--trace=off", "--trace-file", off, "version"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(off); err == nil {
		t.Error("--trace=off --trace-file traced anyway")
	}
}
