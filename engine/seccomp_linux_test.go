package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSeccompDefaultProfile: a default container runs under docker's
// profile (Seccomp: 2 in /proc/self/status): new user namespaces and the
// keyring calls are refused, ordinary work goes on; seccomp=unconfined and
// --privileged run without a filter (Seccomp: 0).
func TestSeccompDefaultProfile(t *testing.T) {
	e := testEngine(t)
	script := `grep '^Seccomp:' /proc/self/status
unshare -U true 2>/dev/null && echo userns=made || echo userns=refused
unshare -m true 2>/dev/null && echo mountns=made || echo mountns=refused
mkdir /tmp/d && echo mkdir=ok`
	out, stderr, err := runIn(t, e, RunOptions{Remove: true, Cmd: []string{"sh", "-c", script}})
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	for _, w := range []string{"Seccomp:\t2", "userns=refused", "mountns=refused", "mkdir=ok"} {
		if !strings.Contains(out, w) {
			t.Errorf("default container: output lacks %q:\n%s", w, out)
		}
	}
	for _, o := range []RunOptions{
		{SecurityOpt: []string{"seccomp=unconfined"}},
		{Privileged: true},
	} {
		o.Remove, o.Cmd = true, []string{"grep", "^Seccomp:", "/proc/self/status"}
		out, stderr, err := runIn(t, e, o)
		if err != nil || !strings.Contains(out, "Seccomp:\t0") {
			t.Errorf("%+v: want no filter (Seccomp: 0), got %q %v %s", o.SecurityOpt, out, err, stderr)
		}
	}
	// With no-new-privileges the filter goes on last; the program runs the same.
	out, _, err = runIn(t, e, RunOptions{Remove: true, SecurityOpt: []string{"no-new-privileges"}, Cmd: []string{"sh", "-c", script}})
	if err != nil || !strings.Contains(out, "Seccomp:\t2") || !strings.Contains(out, "userns=refused") {
		t.Errorf("no-new-privileges: %q %v", out, err)
	}
	assertNothingLeft(t, e)
}

// TestSeccompProfileFile runs a profile of the user's (docker's JSON)
// that denies mkdir with EACCES, and refuses a broken one before making
// anything.
func TestSeccompProfileFile(t *testing.T) {
	e := testEngine(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "nomkdir.json")
	os.WriteFile(file, []byte(`{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
  {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}`), 0o644)
	out, stderr, err := runIn(t, e, RunOptions{Remove: true, SecurityOpt: []string{"seccomp=" + file},
		Cmd: []string{"sh", "-c", "grep '^Seccomp:' /proc/self/status; mkdir /tmp/d 2>&1; touch /tmp/f && echo touch=ok"}})
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	for _, w := range []string{"Seccomp:\t2", "Permission denied", "touch=ok"} {
		if !strings.Contains(out, w) {
			t.Errorf("seccomp=%s: output lacks %q:\n%s", file, w, out)
		}
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_MAYBE"}]}`), 0o644)
	for _, opt := range []string{"seccomp=" + bad, "seccomp=" + filepath.Join(dir, "missing.json"), "apparmor=unconfined"} {
		_, _, err := runIn(t, e, RunOptions{Remove: true, SecurityOpt: []string{opt}, Cmd: []string{"true"}})
		if err == nil || exitCodeOf(err) != ExitVitroError {
			t.Errorf("--security-opt %s: want a refusal with status %d, got %v", opt, ExitVitroError, err)
		}
	}
	assertNothingLeft(t, e)
}
