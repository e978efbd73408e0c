// Package cgroupdemo shows resource control by control groups, on the three
// layouts found in the wild: v1 (a hierarchy per controller), hybrid (v1
// controllers plus an empty cgroup2 at /sys/fs/cgroup/unified) and v2 (one
// unified hierarchy). It holds the primitives the engine uses for limits,
// pause and stats, and the demos that make a limit bite.
//
// Primitives. [Detect] tells the layout by filesystem magic and returns a
// [Driver]: [V1] for v1 and hybrid hosts, [V2] for unified ones. A [Cgroup]
// is made with [Create] (mkdir in every hierarchy, then the driver's Setup),
// limited with [Cgroup.Set] ([Resources] in docker's units, planned by the
// driver as [Write]s and performed by [Cgroup.Apply], the one place that
// writes cgroup files and traces each write with its shell equivalent),
// joined with [Cgroup.Join], read with [Cgroup.Stats] and [Cgroup.Events],
// paused with [Cgroup.Freeze], and ended with [Cgroup.Kill] and
// [Cgroup.Remove]. Pure logic (plans, parsing, validation, shares↔weight)
// has no build tag and is tested against fake trees.
//
// Demos. [MemoryDemo], [CPUDemo], [SharesDemo], [PidsDemo], [CpusetDemo]
// and [FreezeDemo] each make a throwaway cgroup under vitro/, start a
// re-executed child in it (held on the sync socket until it has joined),
// and return what the kernel's files said. [HostInfo] and [List] back
// `vitro cgroup info` and `vitro cgroup ls`.
package cgroupdemo
