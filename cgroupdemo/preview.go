package cgroupdemo

import (
	"path/filepath"
	"strings"
)

// Resolve turns writes planned for cgroup name into the paths they would
// touch, without touching anything: what `vitro cgroup plan` prints, and
// a dry run of Apply.
func Resolve(d Driver, name string, ws []Write) ([]Applied, error) {
	out := make([]Applied, 0, len(ws))
	for _, w := range ws {
		n := w.Cgroup
		if n == "" {
			n = name
		}
		dir, err := d.Dir(n, w.Controller)
		if err != nil {
			return nil, err
		}
		out = append(out, Applied{Path: filepath.Join(dir, w.File), Value: w.Value})
	}
	return out, nil
}

// StandardV1 is a v1 driver over the layout most distributions mount
// under root (cpu and cpuacct co-mounted, one hierarchy for each other
// controller), for showing what a plan would write on a v1 host from any
// host. It reads nothing; Setup and Stats on it need the real files.
func StandardV1(root string) *V1 {
	var hs []Hierarchy
	for _, ctrls := range []string{"cpu,cpuacct", "cpuset", "freezer", "memory", "pids"} {
		hs = append(hs, Hierarchy{Mountpoint: filepath.Join(root, ctrls), Version: 1, Controllers: strings.Split(ctrls, ",")})
	}
	d, _ := NewV1(Legacy, hs)
	return d
}

// SetupStep is one thing done to a new cgroup before a limit is written
// or a process joins: making a directory, or writing a file.
type SetupStep struct {
	Path  string `json:"path"`            // the directory made, or the file written
	Value string `json:"value,omitempty"` // what is written ("" for mkdir)
	From  string `json:"from,omitempty"`  // the file the value is copied from, if any
	Shell string `json:"shell"`
}

// PreviewSetup is what a new cgroup name needs before it can hold a
// process, for showing without reading or touching anything (the cgroup
// need not exist, nor the layout be this host's): its directories made,
// then Setup's writes as they are for a tree made from scratch.
//
//   - v1: mkdir in every hierarchy; then, in the cpuset hierarchy, for each
//     level below the root, cpuset.cpus and cpuset.mems copied from the
//     level above. A new v1 cpuset cgroup has neither, and the kernel
//     refuses a task (ENOSPC) until both are set. (Setup skips a level
//     whose files are already filled.)
//   - v2: mkdir; then, in the root and each ancestor, the controllers
//     vitro uses enabled in cgroup.subtree_control, so that the level
//     below has their files. (Setup enables only those available and not
//     yet on.)
func PreviewSetup(d Driver, name string) []SetupStep {
	var out []SetupStep
	for _, dir := range d.Dirs(name) {
		out = append(out, SetupStep{Path: dir, Shell: "mkdir -p " + dir})
	}
	levels := append(ancestors(name), name)
	if d.Mode() == Unified {
		value := "+" + strings.Join(v2Wanted, " +")
		for _, a := range levels[:len(levels)-1] {
			dir, _ := d.Dir(a, "")
			p := filepath.Join(dir, "cgroup.subtree_control")
			out = append(out, SetupStep{Path: p, Value: value, Shell: "echo " + shellQuote(value) + " > " + p})
		}
		return out
	}
	if _, err := d.Dir(name, "cpuset"); err != nil {
		return out // no cpuset hierarchy: nothing to fill in
	}
	for i := 1; i < len(levels); i++ {
		parent, _ := d.Dir(levels[i-1], "cpuset")
		dir, _ := d.Dir(levels[i], "cpuset")
		for _, file := range []string{"cpuset.cpus", "cpuset.mems"} {
			from, to := filepath.Join(parent, file), filepath.Join(dir, file)
			out = append(out, SetupStep{Path: to, Value: "$(cat " + from + ")", From: from, Shell: "cat " + from + " > " + to})
		}
	}
	return out
}
