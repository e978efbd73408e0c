package cgroupdemo

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Info is what `vitro cgroup info` shows: how this host lays out cgroups
// and where vitro's live.
type Info struct {
	Mode        string      `json:"mode"`
	Root        string      `json:"root"`
	Detected    string      `json:"detected"` // how the mode was told
	Hierarchies []Hierarchy `json:"hierarchies"`
	// Used marks the hierarchies vitro writes limits to.
	Used        []string `json:"used"`
	Controllers []string `json:"controllers"`
	// ParentDirs are the directories of the vitro parent cgroup.
	ParentDirs []string `json:"parent_dirs"`
	// Self is this process's membership, from /proc/self/cgroup.
	Self []string `json:"self"`
}

// HostInfo gathers Info for the hierarchy mounted at root.
func HostInfo(root string) (*Info, error) {
	if root == "" {
		root = DefaultRoot
	}
	mode, err := DetectMode(root)
	if err != nil {
		return nil, err
	}
	in := &Info{Mode: mode.String(), Root: root}
	switch mode {
	case Unified:
		in.Detected = "statfs(" + root + ") is CGROUP2_SUPER_MAGIC: one unified hierarchy"
	case Hybrid:
		in.Detected = "statfs(" + root + ") is TMPFS_MAGIC and " + filepath.Join(root, "unified") +
			" is CGROUP2_SUPER_MAGIC: v1 controllers plus a cgroup2 tree that holds none, so limits are v1 limits"
	case Legacy:
		in.Detected = "statfs(" + root + ") is TMPFS_MAGIC, no cgroup2 at " + filepath.Join(root, "unified") + ": one hierarchy per controller"
	}
	if in.Hierarchies, err = Hierarchies(root); err != nil {
		return nil, err
	}
	d, err := Detect(root)
	if err != nil {
		return nil, err
	}
	for _, h := range d.Hierarchies() {
		in.Used = append(in.Used, h.Mountpoint)
	}
	in.Controllers, _ = Controllers(root, mode)
	in.ParentDirs = d.Dirs(Parent)
	if b, err := os.ReadFile("/proc/self/cgroup"); err == nil {
		in.Self = strings.Split(strings.TrimSpace(string(b)), "\n")
	}
	return in, nil
}

// Entry is one cgroup in vitro's tree, with its limits read back.
type Entry struct {
	Name   string `json:"name"`  // relative to the mounts: vitro/web
	Depth  int    `json:"depth"` // 0 for the vitro parent
	Procs  int    `json:"procs"`
	Stats  *Stats `json:"stats"`
	Memory string `json:"memory"` // limit, "max" when none
	CPUs   string `json:"cpus"`   // quota / period as CPUs, "max" when none
	Pids   string `json:"pids"`
	Cpuset string `json:"cpuset"`
	State  string `json:"state"` // THAWED or FROZEN
}

// List walks vitro's cgroups (the parent and everything below it, in
// every hierarchy) and reads each one's limits.
func List(d Driver) ([]Entry, error) {
	names := map[string]bool{}
	for _, dir := range d.Dirs(Parent) {
		base := filepath.Dir(dir)
		err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			if e.IsDir() {
				rel, _ := filepath.Rel(base, p)
				names[filepath.ToSlash(rel)] = true
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	var out []Entry
	for _, n := range sorted {
		st, err := d.Stats(n)
		if err != nil && st == nil {
			continue // gone meanwhile, or only in some hierarchies
		}
		e := Entry{Name: n, Depth: strings.Count(n, "/"), Procs: len(st.Procs), Stats: st, State: string(st.Freeze)}
		e.Memory = FormatBytes(st.Memory.Limit)
		e.CPUs = "max"
		if st.CPU.QuotaUS > 0 && st.CPU.PeriodUS > 0 {
			e.CPUs = FormatCPUs(st.CPU.QuotaUS * 1e9 / int64(st.CPU.PeriodUS))
		}
		e.Pids = pidsValue(st.Pids.Limit)
		e.Cpuset = st.Cpuset.Cpus
		out = append(out, e)
	}
	return out, nil
}
