package cgroupdemo

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// Write is one planned change to a cgroup: a value for a file. Limits,
// joining, freezing and enabling controllers are all planned as Writes
// and performed by one applier (see Cgroup.Apply), which traces each of
// them with its shell equivalent, so a plan can be shown, tested on a
// fake tree, or printed instead of applied.
type Write struct {
	// Cgroup is the cgroup the file belongs to, relative to the
	// hierarchy's mount ("vitro/web", "." for the root); empty means the
	// cgroup the plan is applied to.
	Cgroup string `json:"cgroup,omitempty"`
	// Controller picks the hierarchy on v1 ("memory"); empty means a core
	// file that every hierarchy has (cgroup.procs).
	Controller string `json:"controller,omitempty"`
	File       string `json:"file"`
	Value      string `json:"value"`
	// Optional writes are skipped when the file does not exist: a kernel
	// built without swap accounting has no memory.swap.max.
	Optional bool `json:"optional,omitempty"`
}

// Driver is what differs between the cgroup layouts. Everything else (the
// applier, kill, remove, the demos) is written once against it.
//
// V1 serves both v1 and hybrid hosts: on hybrid the cgroup2 tree at
// /sys/fs/cgroup/unified has no controllers, so limits are v1 limits.
type Driver interface {
	// Mode is the layout this driver writes to.
	Mode() Mode
	// Hierarchies are the mounted trees the driver uses.
	Hierarchies() []Hierarchy
	// Dirs lists the directories that make up cgroup name: one per
	// hierarchy on v1, one on v2.
	Dirs(name string) []string
	// Dir is the directory holding controller's files for cgroup name;
	// controller "" means the core files (on v1, the first hierarchy's).
	Dir(name, controller string) (string, error)
	// Setup plans what makes a freshly made cgroup usable: on v2,
	// enabling controllers in each ancestor's cgroup.subtree_control; on
	// v1, giving new cpuset cgroups their parent's cpus and mems.
	Setup(name string) ([]Write, error)
	// Plan turns resources into writes, in the order they must be made.
	Plan(r Resources) ([]Write, error)
	// Join plans moving a process (all its threads) into the cgroup.
	Join(pid int) []Write
	// Freeze plans freezing (true) or thawing (false) every task.
	Freeze(frozen bool) []Write
	// FreezeState reads back whether the cgroup is frozen.
	FreezeState(name string) (FreezerState, error)
	// Stats reads usage, limits and event counters.
	Stats(name string) (*Stats, error)
}

// FreezerState is v1's freezer.state vocabulary, which v2's cgroup.events
// "frozen 0|1" maps onto.
type FreezerState string

const (
	Thawed   FreezerState = "THAWED"
	Freezing FreezerState = "FREEZING"
	Frozen   FreezerState = "FROZEN"
)

// ErrNoController is returned when a plan needs a controller this host
// does not offer (not mounted on v1, not in cgroup.controllers on v2).
var ErrNoController = errors.New("controller not available")

// Controllers vitro manages. Other hierarchies (blkio, name=systemd)
// are left alone. v1's devices controller is what keeps a container from
// the host's disks (see SetDevices); v2 has no such controller: an eBPF
// program does that job there.
var (
	v1Wanted = []string{"cpu", "cpuacct", "cpuset", "devices", "freezer", "memory", "pids"}
	v2Wanted = []string{"cpu", "cpuset", "memory", "pids"}
)

// ValidName checks a cgroup name: a relative path without "." or ".."
// components, so that no name can reach outside the hierarchy.
func ValidName(name string) error {
	if name == "" || strings.HasPrefix(name, "/") || filepath.Clean(name) != name {
		return fmt.Errorf("cgroup name %q: want a clean relative path such as vitro/web", name)
	}
	for _, part := range strings.Split(name, "/") {
		if part == "." || part == ".." {
			return fmt.Errorf("cgroup name %q: %q is not allowed in a cgroup path", name, part)
		}
	}
	return nil
}

// ancestors returns the proper ancestors of name, outermost first:
// "vitro/a/b" gives ".", "vitro", "vitro/a" ("." being the root).
func ancestors(name string) []string {
	out := []string{"."}
	parts := strings.Split(name, "/")
	for i := 1; i < len(parts); i++ {
		out = append(out, strings.Join(parts[:i], "/"))
	}
	return out
}
