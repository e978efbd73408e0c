package cgroupdemo

import (
	"path/filepath"
	"testing"
)

func TestListFakeTree(t *testing.T) {
	root := t.TempDir()
	fake(t, filepath.Join(root, "vitro"), map[string]string{"cgroup.procs": "", "memory.max": "max\n", "cpu.max": "max 100000\n", "pids.max": "max\n"})
	fake(t, filepath.Join(root, "vitro/web"), map[string]string{
		"cgroup.procs": "7\n8\n", "memory.max": "67108864\n", "cpu.max": "150000 100000\n", "pids.max": "100\n",
		"cpuset.cpus": "0-1\n", "cgroup.freeze": "1\n", "cgroup.events": "populated 1\nfrozen 1\n",
	})
	es, err := List(NewV2(root))
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].Name != "vitro" || es[1].Name != "vitro/web" || es[1].Depth != 1 {
		t.Fatalf("entries = %+v", es)
	}
	w := es[1]
	if w.Procs != 2 || w.Memory != "64MiB" || w.CPUs != "1.5" || w.Pids != "100" || w.Cpuset != "0-1" || w.State != "FROZEN" {
		t.Errorf("vitro/web = %+v", w)
	}
	if es[0].Memory != "max" || es[0].CPUs != "max" || es[0].Pids != "max" {
		t.Errorf("vitro = %+v", es[0])
	}
}
