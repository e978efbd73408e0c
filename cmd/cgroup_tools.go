package cmd

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/spf13/cobra"
	"github.com/vitro-dev/vitro/cgroupdemo"
)

// planRow is one write of `vitro cgroup plan`.
type planRow struct {
	Layout string `json:"layout"` // this host's mode, or v1 / v2
	Path   string `json:"path"`
	Value  string `json:"value"`
	Shell  string `json:"shell"`
}

func cgroupPlanCmd() *cobra.Command {
	var format, memory, memSwap, cpus, cpusetCpus, layout, name string
	var shares uint64
	var pids int64
	c := &cobra.Command{
		Use:   "plan",
		Short: "Show the files docker's limit flags become, on this host and on v1 and v2, without writing",
		Long: `Turn docker run's limit flags into the cgroup file writes that enforce them, and
print them without touching anything: for this host's layout (--layout host),
for a standard v1 layout (v1), for v2 (v2), or for both v1 and v2 (all, the
default), so the two versions' file names can be compared side by side.
The plan starts with what a new cgroup needs first: its directories, then on
v1 the cpuset.cpus and cpuset.mems a new cpuset cgroup must get from its
parent before any process may join it, and on v2 the controllers enabled in
each ancestor's cgroup.subtree_control. Joining the process is shown as the
cgroup.procs writes it takes. Run as root, the lines work as printed.`,
		Example: "  vitro cgroup plan -m 64m --cpus 0.5 --pids-limit 100\n  vitro cgroup plan --cpu-shares 512 --layout v2",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			flags := cgroupdemo.DockerFlags{Memory: memory, MemorySwap: memSwap, CPUs: cpus, CPUShares: int64(shares),
				CpusetCpus: cpusetCpus, PidsLimit: pids}
			r, err := flags.Resources(runtime.NumCPU(), nil)
			if err != nil {
				return err
			}
			if err := cgroupdemo.ValidName(name); err != nil {
				return flagError("name", err)
			}
			var drivers []cgroupdemo.Driver
			switch layout {
			case "host":
				d, err := cgroupdemo.Detect(cgroupdemo.DefaultRoot)
				if err != nil {
					return err
				}
				drivers = append(drivers, d)
			case "v1":
				drivers = append(drivers, cgroupdemo.StandardV1(cgroupdemo.DefaultRoot))
			case "v2":
				drivers = append(drivers, cgroupdemo.NewV2(cgroupdemo.DefaultRoot))
			case "all":
				drivers = append(drivers, cgroupdemo.StandardV1(cgroupdemo.DefaultRoot), cgroupdemo.NewV2(cgroupdemo.DefaultRoot))
			default:
				return fmt.Errorf("--layout %q: want host, v1, v2 or all", layout)
			}
			var rows []planRow
			for _, d := range drivers {
				ws, err := d.Plan(r)
				if err != nil {
					return err
				}
				as, err := cgroupdemo.Resolve(d, name, append(ws, d.Join(1234)...))
				if err != nil {
					return err
				}
				for _, st := range cgroupdemo.PreviewSetup(d, name) {
					rows = append(rows, planRow{Layout: d.Mode().String(), Path: st.Path, Value: st.Value, Shell: st.Shell})
				}
				for _, a := range as {
					sh := a.Shell()
					if filepath.Base(a.Path) == "cgroup.procs" {
						a.Value = "$PID" // the container's first process
						sh = "echo $PID > " + a.Path
					}
					rows = append(rows, planRow{Layout: d.Mode().String(), Path: a.Path, Value: a.Value, Shell: sh})
				}
			}
			return render(c.OutOrStdout(), format, rows, func() *Table {
				t := &Table{Header: []string{"layout", "shell equivalent"}}
				for _, row := range rows {
					t.Append(row.Layout, row.Shell)
				}
				return t
			})
		},
	}
	f := c.Flags()
	f.StringVarP(&memory, "memory", "m", "", "memory limit (64m, 1g)")
	f.StringVar(&memSwap, "memory-swap", "", "memory plus swap (-1: unlimited swap; unset: no swap)")
	f.StringVar(&cpus, "cpus", "", "CPU quota in CPUs (0.5)")
	f.Uint64Var(&shares, "cpu-shares", 0, "CPU weight (2–262144, default 1024)")
	f.Int64Var(&pids, "pids-limit", 0, "most tasks (-1: unlimited)")
	f.StringVar(&cpusetCpus, "cpuset-cpus", "", "CPUs allowed (0-1)")
	f.StringVar(&layout, "layout", "all", "host, v1, v2 or all (v1 and v2)")
	f.StringVar(&name, "name", "vitro/web", "the cgroup, relative to the mounts")
	addFormatFlag(c, &format)
	return c
}

func cgroupRmCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "rm NAME...",
		Short: "Kill what runs in one of vitro's cgroups and remove it (leftovers of a crashed demo)",
		Long: `Kill every process in the named cgroups (and the cgroups below them) and remove
them from every hierarchy. Names are as vitro cgroup ls prints them and must be
under vitro/: vitro never removes cgroups it does not own.`,
		Example: "  vitro cgroup rm vitro/memory-4242",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			d, err := cgroupdemo.Detect(cgroupdemo.DefaultRoot)
			if err != nil {
				return err
			}
			for _, name := range args {
				if !strings.HasPrefix(name, cgroupdemo.Parent+"/") {
					return fmt.Errorf("cgroup %q: not one of vitro's (want a name under %s/, as vitro cgroup ls prints it)", name, cgroupdemo.Parent)
				}
				cg, err := cgroupdemo.Open(d, name)
				if err != nil {
					return err
				}
				if err := cg.KillAndRemove(); err != nil {
					return err
				}
				fmt.Fprintln(c.OutOrStdout(), name)
			}
			return nil
		},
	}
}
