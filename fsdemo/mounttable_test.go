package fsdemo

import (
	"strings"
	"testing"

	"github.com/vitro-dev/vitro/nsdemo"
)

func TestDiffTables(t *testing.T) {
	old := []nsdemo.MountEntry{{ID: 1, Mountpoint: "/"}, {ID: 2, Mountpoint: "/proc", FSType: "proc"}, {ID: 3, Mountpoint: "/r", Propagation: "shared:1"}}
	cur := []nsdemo.MountEntry{{ID: 1, Mountpoint: "/"}, {ID: 3, Mountpoint: "/", Propagation: "shared:1"}, {ID: 4, Mountpoint: "/r/x", FSType: "tmpfs", Root: "/", Propagation: "private"}}
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
