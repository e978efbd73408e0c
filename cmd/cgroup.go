package cmd

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/vitro-dev/vitro/cgroupdemo"
	"github.com/vitro-dev/vitro/internal/table"
)

func init() {
	register(func(root *cobra.Command, g *Globals) {
		cg := &cobra.Command{
			Use:   "cgroup",
			Short: "Control groups: watch a memory, CPU, pids or cpuset limit bite, freeze, inspect",
			Long: `Demonstrations of resource control with cgroups, on whichever layout this host
has: v1 (a hierarchy per controller), hybrid (v1 controllers plus an empty
cgroup2 tree) or v2 (one unified hierarchy). Each demo makes a throwaway cgroup
under vitro/, puts a child process in it, reports what the kernel's own files
say, prints the shell equivalent of every write, and removes the cgroup when it
ends (also on Ctrl-C).

Values take docker's syntax: sizes as 64m or 1g, CPUs as 0.5, CPU lists as 0-1.`,
		}
		cg.AddCommand(cgroupMemoryCmd(), cgroupCPUCmd(), cgroupPidsCmd(), cgroupCpusetCmd(),
			cgroupFreezeCmd(), cgroupInfoCmd(), cgroupLsCmd(), cgroupPlanCmd(), cgroupRmCmd())
		root.AddCommand(cg)
	})
}

// demoOptions sends the demos' progress lines to standard error.
func demoOptions(c *cobra.Command) cgroupdemo.Options {
	w := c.ErrOrStderr()
	return cgroupdemo.Options{Progress: func(s string) { fmt.Fprintln(w, s) }}
}

// demoError names the flag a bad value came from, and says that an
// interrupted demo cleaned up after itself; it is nil when err is.
func demoError(flag string, err error) error {
	if errors.Is(err, cgroupdemo.ErrInvalidResources) {
		return flagError(flag, err)
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("interrupted: the demo's child was killed and its cgroup removed: %w", err)
	}
	return err
}

func flagError(flag string, err error) error { return fmt.Errorf("--%s: %w", flag, err) }

func cgroupMemoryCmd() *cobra.Command {
	var limit, alloc, step string
	c := demoCmd(&cobra.Command{
		Use:   "memory",
		Short: "Limit memory and watch the kernel OOM-kill a child that keeps touching more",
		Long: `Make a cgroup with a memory limit (memory.max on v2, memory.limit_in_bytes on
v1) and swap turned off, then start a child that touches memory a step at a time
until the kernel's OOM killer ends it with SIGKILL. Shows the limit as written,
the peak usage, and the OOM kill counted in memory.events (v2) or
memory.oom_control (v1). This is what docker run -m does.`,
		Example: "  vitro cgroup memory --limit 64m\n  vitro cgroup memory --limit 64m --alloc 32m   # stays under: no OOM",
	}, func(c *cobra.Command) (*cgroupdemo.MemoryResult, error) {
		var cfg cgroupdemo.MemoryConfig
		var err error
		if cfg.Limit, err = cgroupdemo.ParseBytes(limit); err != nil {
			return nil, flagError("limit", err)
		}
		if alloc != "" {
			if cfg.Alloc, err = cgroupdemo.ParseBytes(alloc); err != nil {
				return nil, flagError("alloc", err)
			}
		}
		if cfg.Step, err = cgroupdemo.ParseBytes(step); err != nil {
			return nil, flagError("step", err)
		}
		res, err := cgroupdemo.MemoryDemo(c.Context(), demoOptions(c), cfg)
		return res, demoError("limit", err)
	})
	c.Flags().StringVar(&limit, "limit", "64m", "memory limit (docker -m syntax: 64m, 512M, 1g)")
	c.Flags().StringVar(&alloc, "alloc", "", "how much the child tries to touch in all (default 4 × --limit)")
	c.Flags().StringVar(&step, "step", "4m", "how much the child touches at a time")
	return c
}

func cgroupCPUCmd() *cobra.Command {
	var cpus string
	var seconds float64
	var shares uint64
	c := demoCmd(&cobra.Command{
		Use:   "cpu",
		Short: "Cap a busy child at a fraction of a CPU (quota), or weigh two against each other (shares)",
		Long: `With --cpus, make a cgroup with a CFS quota (cpu.max on v2, cpu.cfs_quota_us and
cpu.cfs_period_us on v1), run a child that spins, and measure from the cgroup's
counters the CPU it got over the wall time and how often the kernel throttled
it (nr_throttled, throttled time). This is docker run --cpus.

With --shares, run two spinning children in sibling cgroups pinned to the same
CPU, one with 1024 shares (docker's default) and one with the given shares
(converted to cpu.weight on v2), and compare the CPU time each got. This is
docker run --cpu-shares: a weight that matters only under contention.`,
		Example: "  vitro cgroup cpu --cpus 0.5\n  vitro cgroup cpu --shares 256 --seconds 5",
	}, func(c *cobra.Command) (tabler, error) {
		if err := cgroupdemo.CheckSeconds(seconds); err != nil {
			return nil, flagError("seconds", err)
		}
		if c.Flags().Changed("shares") {
			if c.Flags().Changed("cpus") {
				return nil, errors.New("--cpus and --shares are two demos: give one of them")
			}
			res, err := cgroupdemo.SharesDemo(c.Context(), demoOptions(c), cgroupdemo.SharesConfig{Shares: shares, Seconds: seconds})
			if err != nil {
				return nil, demoError("shares", err)
			}
			return res, nil
		}
		nano, err := cgroupdemo.ParseCPUs(cpus)
		if err != nil {
			return nil, flagError("cpus", err)
		}
		res, err := cgroupdemo.CPUDemo(c.Context(), demoOptions(c), cgroupdemo.CPUConfig{NanoCPUs: nano, Seconds: seconds})
		if err != nil {
			return nil, demoError("cpus", err)
		}
		return res, nil
	})
	c.Flags().StringVar(&cpus, "cpus", "0.5", "CPU quota in CPUs (docker --cpus syntax: 0.5, 1.5)")
	c.Flags().Uint64Var(&shares, "shares", 0, "run the weight demo instead: the second child's cpu.shares (2–262144) against 1024")
	c.Flags().Float64Var(&seconds, "seconds", 3, "how long to measure (0.1 to 600)")
	return c
}

func cgroupPidsCmd() *cobra.Command {
	var max int64
	var forks int
	c := demoCmd(&cobra.Command{
		Use:   "pids",
		Short: "Cap the number of tasks and watch forks fail with EAGAIN",
		Long: `Make a cgroup with pids.max, then start a child that tries to fork a bounded
number of processes (never an unbounded fork bomb). Each fork past the limit
fails with EAGAIN; the kernel counts them in pids.events. The child's own
threads count against the limit too. This is docker run --pids-limit.`,
		Example: "  vitro cgroup pids --max 16",
	}, func(c *cobra.Command) (*cgroupdemo.PidsResult, error) {
		res, err := cgroupdemo.PidsDemo(c.Context(), demoOptions(c), cgroupdemo.PidsConfig{Max: max, Forks: forks})
		return res, demoError("max", err)
	})
	c.Flags().Int64Var(&max, "max", 16, "pids.max: the most tasks the cgroup may hold")
	c.Flags().IntVar(&forks, "forks", 0, "how many forks the child attempts (default 2 × --max + 8)")
	return c
}

func cgroupCpusetCmd() *cobra.Command {
	var cpus string
	c := demoCmd(&cobra.Command{
		Use:   "cpuset",
		Short: "Pin a child to a set of CPUs and show what the kernel then allows it",
		Long: `Make a cgroup with cpuset.cpus, start a child in it, and show the CPUs the child
may run on as the kernel reports them to it: Cpus_allowed_list in its
/proc/self/status and sched_getaffinity(2). This is docker run --cpuset-cpus.`,
		Example: "  vitro cgroup cpuset --cpus 0\n  vitro cgroup cpuset --cpus 0-1",
	}, func(c *cobra.Command) (*cgroupdemo.CpusetResult, error) {
		res, err := cgroupdemo.CpusetDemo(c.Context(), demoOptions(c), cpus)
		return res, demoError("cpus", err)
	})
	c.Flags().StringVar(&cpus, "cpus", "0", "CPUs the child may use (docker --cpuset-cpus syntax: 0, 0-1, 0,2)")
	return c
}

func cgroupFreezeCmd() *cobra.Command {
	var seconds float64
	c := demoCmd(&cobra.Command{
		Use:   "freeze",
		Short: "Freeze and thaw a counting child: what docker pause does",
		Long: `Start a child that counts, in memory vitro can read, then freeze its cgroup
(freezer.state = FROZEN on v1, cgroup.freeze = 1 on v2), wait, and thaw it.
The counter stops while frozen and resumes after: the processes still exist,
but the kernel does not schedule them. This is docker pause and unpause.`,
	}, func(c *cobra.Command) (*cgroupdemo.FreezeResult, error) {
		if err := cgroupdemo.CheckSeconds(seconds); err != nil {
			return nil, flagError("seconds", err)
		}
		res, err := cgroupdemo.FreezeDemo(c.Context(), demoOptions(c), cgroupdemo.FreezeConfig{Seconds: seconds})
		return res, demoError("", err)
	})
	c.Flags().Float64Var(&seconds, "seconds", 1, "how long to watch each phase (0.1 to 600)")
	return c
}

func cgroupInfoCmd() *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "info",
		Short: "Show the cgroup layout: mode, how it was detected, hierarchies, controllers",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			in, err := cgroupdemo.HostInfo(cgroupdemo.DefaultRoot)
			if err != nil {
				return err
			}
			w := c.OutOrStdout()
			if !isTable(format) {
				return render(w, format, in, nil)
			}
			fmt.Fprintf(w, "Mode:         %s\nDetected:     %s\nControllers:  %s\nvitro parent: %s\n\n",
				in.Mode, in.Detected, strings.Join(in.Controllers, " "), strings.Join(in.ParentDirs, " "))
			used := map[string]bool{}
			for _, u := range in.Used {
				used[u] = true
			}
			t := &Table{Header: []string{"mount point", "version", "controllers", "used for limits"}}
			for _, h := range in.Hierarchies {
				ctrls := strings.Join(h.Controllers, ",")
				if h.Name != "" {
					ctrls = "name=" + h.Name
				}
				if ctrls == "" {
					ctrls = "(none)"
				}
				t.Append(h.Mountpoint, fmt.Sprint(h.Version), ctrls, table.YesNo(used[h.Mountpoint]))
			}
			if err := writeTable(w, t); err != nil {
				return err
			}
			fmt.Fprintln(w, "\nThis process (/proc/self/cgroup):")
			for _, s := range in.Self {
				fmt.Fprintln(w, "  "+s)
			}
			return nil
		},
	}
	addFormatFlag(c, &format)
	return c
}

func cgroupLsCmd() *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "ls",
		Short: "List vitro's cgroups as a tree, with their limits read back",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			d, err := cgroupdemo.Detect(cgroupdemo.DefaultRoot)
			if err != nil {
				return err
			}
			es, err := cgroupdemo.List(d)
			if err != nil {
				return err
			}
			return render(c.OutOrStdout(), format, es, func() *Table {
				t := &Table{Header: []string{"cgroup", "procs", "memory", "cpus", "pids", "cpuset", "state"}}
				for _, e := range es {
					name := e.Name
					if e.Depth > 0 {
						name = strings.Repeat("  ", e.Depth-1) + "└ " + name[strings.LastIndex(name, "/")+1:]
					}
					t.Append(name, fmt.Sprint(e.Procs), e.Memory, e.CPUs, e.Pids, e.Cpuset, e.State)
				}
				return t
			})
		},
	}
	addFormatFlag(c, &format)
	return c
}
