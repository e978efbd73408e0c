package cgroupdemo

// Mode is the cgroup layout of a host.
type Mode int

const (
	// Unavailable: no cgroup filesystem is mounted at the root.
	Unavailable Mode = iota
	// Legacy is cgroup v1 only: one hierarchy per controller (or co-mounted
	// set, like cpu,cpuacct) under a tmpfs.
	Legacy
	// Hybrid is v1 controllers plus a cgroup2 hierarchy, usually empty of
	// controllers, at <root>/unified. Limits are v1 limits.
	Hybrid
	// Unified is cgroup v2: one hierarchy mounted at the root.
	Unified
)

// String names the mode as `vitro info` prints it.
func (m Mode) String() string {
	switch m {
	case Legacy:
		return "v1"
	case Hybrid:
		return "hybrid"
	case Unified:
		return "v2"
	}
	return "unavailable"
}

// DefaultRoot is where cgroup filesystems are mounted.
const DefaultRoot = "/sys/fs/cgroup"
