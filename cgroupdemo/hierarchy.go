package cgroupdemo

import (
	"path/filepath"
	"sort"
	"strings"

	"github.com/moby/sys/mountinfo"
)

// Hierarchy is one mounted cgroup filesystem: on v1 a tree for one
// controller or a co-mounted set (cpu,cpuacct), on v2 the unified tree.
type Hierarchy struct {
	Mountpoint  string   `json:"mountpoint"`
	Version     int      `json:"version"`        // 1 or 2
	Controllers []string `json:"controllers"`    // v1: from the mount options; v2: the root's cgroup.controllers
	Name        string   `json:"name,omitempty"` // v1 named hierarchy without controllers (name=systemd)
}

// v1Subsystems are the controller names a v1 mount option can carry.
var v1Subsystems = map[string]bool{
	"cpuset": true, "cpu": true, "cpuacct": true, "blkio": true, "io": true, "memory": true,
	"devices": true, "freezer": true, "net_cls": true, "perf_event": true, "net_prio": true,
	"hugetlb": true, "pids": true, "rdma": true, "misc": true,
}

// Has reports whether the hierarchy carries controller c.
func (h Hierarchy) Has(c string) bool {
	for _, x := range h.Controllers {
		if x == c {
			return true
		}
	}
	return false
}

// hierarchiesFrom picks the cgroup mounts below root out of a mount table
// (as /proc/self/mountinfo lists it) and names their controllers. A v1
// hierarchy's controllers are in its super options ("rw,cpu,cpuacct"), so
// co-mounts need no special case: /sys/fs/cgroup/cpu,cpuacct carries both,
// whatever symlinks point at it. A hierarchy mounted twice is kept once.
func hierarchiesFrom(mounts []*mountinfo.Info, root string) []Hierarchy {
	root = filepath.Clean(root)
	seen := map[string]bool{}
	var out []Hierarchy
	for _, m := range mounts {
		if m.Mountpoint != root && !strings.HasPrefix(m.Mountpoint, root+"/") {
			continue
		}
		var h Hierarchy
		switch m.FSType {
		case "cgroup2":
			h = Hierarchy{Mountpoint: m.Mountpoint, Version: 2}
		case "cgroup":
			h = Hierarchy{Mountpoint: m.Mountpoint, Version: 1}
			for _, opt := range strings.Split(m.VFSOptions, ",") {
				if v1Subsystems[opt] {
					h.Controllers = append(h.Controllers, opt)
				} else if n, ok := strings.CutPrefix(opt, "name="); ok {
					h.Name = n
				}
			}
			sort.Strings(h.Controllers)
		default:
			continue
		}
		key := m.FSType + ":" + strings.Join(h.Controllers, ",") + ":" + h.Name
		if m.FSType == "cgroup2" {
			key = m.FSType + ":" + m.Mountpoint
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Mountpoint < out[j].Mountpoint })
	return out
}
