package cmd

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/vitro-dev/vitro/internal/testenv"
)

func TestNsUnknownType(t *testing.T) {
	_, stderr, code := run(t, "ns", "bogus")
	if code != ExitVitro || !strings.Contains(stderr, `"bogus"`) || !strings.Contains(stderr, "uts") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	_, stderr, code = run(t, "ns", "ls", "--type", "bogus")
	if code != ExitVitro || !strings.Contains(stderr, `"bogus"`) {
		t.Fatalf("ns ls --type bogus: exit %d, stderr %q", code, stderr)
	}
}

func TestNsEnterBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"ns", "enter", "--uts"},                              // no target
		{"ns", "enter", "--target", "1"},                      // no namespace
		{"ns", "enter", "--target", "2147483647", "--uts"},    // no such process
		{"ns", "enter", "--target", "1", "--uts", "hostname"}, // program without --
	} {
		_, stderr, code := run(t, args...)
		if code != ExitVitro || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
}

func TestNsLsJSON(t *testing.T) {
	out, stderr, code := run(t, "ns", "ls", "--type", "uts", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var ns []struct {
		Type   string
		Inode  uint64
		NProcs int
	}
	if err := json.Unmarshal([]byte(out), &ns); err != nil || len(ns) == 0 {
		t.Fatalf("%v: %s", err, out)
	}
	for _, n := range ns {
		if n.Type != "uts" || n.Inode == 0 || n.NProcs < 1 {
			t.Errorf("%+v", n)
		}
	}
}

func TestNsUTSJSON(t *testing.T) {
	testenv.RequirePrivileged(t)
	out, stderr, code := run(t, "ns", "uts", "--hostname", "vitro-cli-test", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r struct {
		Type           string
		InsideHostname string
		Inodes         []struct {
			Type    string
			Differs bool
		}
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if r.Type != "uts" || r.InsideHostname != "vitro-cli-test" || len(r.Inodes) != 8 {
		t.Errorf("%+v", r)
	}
	for _, row := range r.Inodes {
		if row.Differs != (row.Type == "uts") {
			t.Errorf("inode row %+v", row)
		}
	}
}

// With -- CMD the program runs inside and its status is vitro's.
func TestNsRunsProgramInside(t *testing.T) {
	testenv.RequirePrivileged(t)
	out, stderr, code := run(t, "ns", "uts", "--hostname", "vitro-cli-cmd", "--", "sh", "-c", "cat /proc/sys/kernel/hostname; exit 3")
	if code != 3 || strings.TrimSpace(out) != "vitro-cli-cmd" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	_, stderr, code = run(t, "ns", "uts", "--", "/nonexistent/vitro-program")
	if code != ExitNotFound {
		t.Fatalf("missing program: exit %d, stderr %q", code, stderr)
	}
}
