// Package cgroupdemo shows resource control by control groups, on the three
// layouts found in the wild: v1 (a hierarchy per controller), hybrid (v1
// controllers plus an empty cgroup2 at /sys/fs/cgroup/unified) and v2 (one
// unified hierarchy). It holds the primitives the engine uses for limits,
// pause and stats, and the demos that make a limit bite.
package cgroupdemo
