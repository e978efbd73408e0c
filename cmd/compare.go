package cmd

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/vitro-dev/vitro/cgroupdemo"
	"github.com/vitro-dev/vitro/engine/compare"
	"github.com/vitro-dev/vitro/internal/table/tabletext"
)

func init() {
	register(func(root *cobra.Command, g *Globals) {
		var o compare.Options
		var format, chart, budget string
		var explain bool
		c := &cobra.Command{
			Use:   "compare [OPTIONS]",
			Short: "Measure a host process, a container and a virtual machine side by side",
			Long: `Run the same small busybox workload as a plain host process, a vitro container
and a virtual machine (qemu with the distribution's kernel and a busybox
initramfs; KVM where it boots, TCG emulation otherwise), and print one table:
start to first line, memory per instance, disk footprint, a CPU-bound loop, a
syscall-heavy loop, file writes with fsync, how many instances fit in a memory
budget, the kernel each reports, and how much of the host each can see. Beside
each row: the claim the usual container-vs-VM table makes, and what this
machine's figures mean.

Figures are medians of --runs with their min–max, timed by vitro on the host
as each marker line of the workload arrives; --explain says how each row is
measured. The VM runs through bin/vitro-vm (make build); without qemu or a
kernel in /boot the VM column says what to install and the rest still runs.
Ctrl-C stops every instance and removes what was made.`,
			Example: `  vitro compare --quick
  vitro compare --runs 7 --chart compare.svg
  vitro compare --quick --format json > my-measurements.json
  vitro compare --quick --explain`,
			Args: cobra.NoArgs,
			RunE: func(c *cobra.Command, _ []string) error {
				if format != "table" && format != "json" {
					return fmt.Errorf("--format %q: use table or json", format)
				}
				if budget != "" {
					n, err := cgroupdemo.ParseBytes(budget)
					if err != nil {
						return fmt.Errorf("--budget: %w", err)
					}
					o.Budget = n
				}
				o.Config = g.Config
				o.Progress = progressLine(c.ErrOrStderr())
				r, err := compare.Run(c.Context(), o)
				o.Progress("", 0, 0) // clear the line
				if err != nil {
					return err
				}
				if chart != "" {
					if err := writeChart(chart, r); err != nil {
						return err
					}
					fmt.Fprintf(c.ErrOrStderr(), "chart written to %s\n", chart)
				}
				if format == "json" {
					return renderJSON(c.OutOrStdout(), r)
				}
				if explain {
					return tabletext.Write(c.OutOrStdout(), r.Explained()...)
				}
				return tabletext.Write(c.OutOrStdout(), r.Tables()...)
			},
		}
		f := c.Flags()
		f.IntVar(&o.Runs, "runs", 0, "instances of each contender that run the workload (default 5; 2 with --quick)")
		f.BoolVar(&o.Quick, "quick", false, "smaller workloads and fewer instances, for a class (a minute or two under TCG; with KVM, whose boots take about a second, around half a minute)")
		f.StringVar(&format, "format", "table", "output format: table or json")
		f.StringVar(&chart, "chart", "", "also write a bar chart per row to this SVG file")
		f.BoolVar(&explain, "explain", false, "say how each row is measured, with every figure's detail")
		f.StringVar(&budget, "budget", "2g", "memory the density row may fill (bytes, k, m, g); no more than is free")
		f.IntVar(&o.MaxInstances, "max-instances", 0, "cap on the density row's instances (default 20; 5 with --quick; VMs at most 4, 2 with --quick)")
		f.StringSliceVar(&o.With, "with", nil, "also these runtimes where installed: "+strings.Join(compare.Extras, ","))
		f.BoolVar(&o.NoVM, "no-vm", false, "leave the virtual machine out")
		root.AddCommand(c)
	})
}

// progressLine returns a Progress that rewrites one line on a terminal,
// or prints each change on its own line otherwise.
func progressLine(w io.Writer) func(string, int, int) {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	last := ""
	return func(what string, n, of int) {
		line := ""
		if what != "" {
			line = fmt.Sprintf("compare: %s (%d of %d)", what, n, of)
		}
		if line == last {
			return
		}
		last = line
		switch {
		case tty:
			fmt.Fprintf(w, "\r\033[K%s", line)
		case line != "":
			fmt.Fprintln(w, line)
		}
	}
}

func writeChart(path string, r *compare.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--chart: %w", err)
	}
	if err := r.WriteChart(f); err != nil {
		f.Close()
		return fmt.Errorf("--chart %s: %w", path, err)
	}
	return f.Close()
}
