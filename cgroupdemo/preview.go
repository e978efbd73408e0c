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
