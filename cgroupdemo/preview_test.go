package cgroupdemo

import (
	"strings"
	"testing"
)

// Following `vitro cgroup plan` literally must work: the directories
// first, then on v1 the cpuset files a new cpuset cgroup needs before a
// task may join it, on v2 the controllers enabled in each ancestor.
func TestPreviewSetup(t *testing.T) {
	var v1 []string
	for _, s := range PreviewSetup(StandardV1("/cg"), "vitro/web") {
		v1 = append(v1, s.Shell)
	}
	want := []string{
		"mkdir -p /cg/cpu,cpuacct/vitro/web",
		"mkdir -p /cg/cpuset/vitro/web",
		"mkdir -p /cg/freezer/vitro/web",
		"mkdir -p /cg/memory/vitro/web",
		"mkdir -p /cg/pids/vitro/web",
		"cat /cg/cpuset/cpuset.cpus > /cg/cpuset/vitro/cpuset.cpus",
		"cat /cg/cpuset/cpuset.mems > /cg/cpuset/vitro/cpuset.mems",
		"cat /cg/cpuset/vitro/cpuset.cpus > /cg/cpuset/vitro/web/cpuset.cpus",
		"cat /cg/cpuset/vitro/cpuset.mems > /cg/cpuset/vitro/web/cpuset.mems",
	}
	if strings.Join(v1, "\n") != strings.Join(want, "\n") {
		t.Errorf("v1 setup:\n%s\nwant:\n%s", strings.Join(v1, "\n"), strings.Join(want, "\n"))
	}

	var v2 []string
	for _, s := range PreviewSetup(NewV2("/cg"), "vitro/web") {
		v2 = append(v2, s.Shell)
	}
	want = []string{
		"mkdir -p /cg/vitro/web",
		"echo '+cpu +cpuset +memory +pids' > /cg/cgroup.subtree_control",
		"echo '+cpu +cpuset +memory +pids' > /cg/vitro/cgroup.subtree_control",
	}
	if strings.Join(v2, "\n") != strings.Join(want, "\n") {
		t.Errorf("v2 setup:\n%s\nwant:\n%s", strings.Join(v2, "\n"), strings.Join(want, "\n"))
	}

	// Without a cpuset hierarchy, only the directories.
	d, err := NewV1(Legacy, []Hierarchy{{Mountpoint: "/cg/memory", Version: 1, Controllers: []string{"memory"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := PreviewSetup(d, "vitro/web"); len(got) != 1 || got[0].Shell != "mkdir -p /cg/memory/vitro/web" {
		t.Errorf("memory-only v1 setup = %+v", got)
	}
}
