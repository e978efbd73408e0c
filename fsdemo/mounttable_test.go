package fsdemo

import (
	"strings"
	"testing"
)

func TestPropagationWords(t *testing.T) {
	for in, want := range map[string]string{
		"":                    "private",
		"shared:5":            "shared:5",
		"master:2":            "slave:2",
		"shared:7 master:2":   "shared:7,slave:2",
		"unbindable":          "unbindable",
		"propagate_from:3 xx": "private",
	} {
		if got := propagation(in); got != want {
			t.Errorf("propagation(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDiffTables(t *testing.T) {
	old := []MountEntry{{ID: 1, Mountpoint: "/"}, {ID: 2, Mountpoint: "/proc", FSType: "proc"}, {ID: 3, Mountpoint: "/r", Propagation: "shared:1"}}
	cur := []MountEntry{{ID: 1, Mountpoint: "/"}, {ID: 3, Mountpoint: "/", Propagation: "shared:1"}, {ID: 4, Mountpoint: "/r/x", FSType: "tmpfs", Root: "/", Propagation: "private"}}
	got := strings.Join(diffTables(old, cur), "\n")
	for _, want := range []string{"~ 3 moved: /r -> /", "+ 4 /r/x (tmpfs /, private)", "- 2 /proc (proc)"} {
		if !strings.Contains(got, want) {
			t.Errorf("diff lacks %q:\n%s", want, got)
		}
	}
	cur[1].Mountpoint, cur[1].Propagation = "/r", "private"
	if got := diffTables(old, cur[:2]); len(got) != 2 || got[0] != "~ 3 /r: shared:1 -> private" {
		t.Errorf("propagation change: %q", got)
	}
}
