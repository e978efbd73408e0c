package cmd

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/vitro-dev/vitro/hostcheck"
)

// printHints lists what to do for each requirement that is not OK, below
// the table, where a long hint does not stretch every row.
func printHints(w io.Writer, rs []hostcheck.Requirement) {
	first := true
	for _, r := range rs {
		if r.Status == hostcheck.OK || r.Hint == "" {
			continue
		}
		if first {
			fmt.Fprintln(w, "\nHints:")
			first = false
		}
		fmt.Fprintf(w, "  %-28s %s\n", r.Name+":", r.Hint)
	}
}

func init() {
	register(func(root *cobra.Command, g *Globals) {
		var format string
		c := &cobra.Command{
			Use:   "check",
			Short: "Check this host for everything vitro needs, with a hint for each gap",
			Long: `Check this host for everything vitro uses: root, the kernel version, each of the
eight namespace kinds, user namespaces, the cgroup mode and controllers,
overlayfs, veth and bridge links (created in a throwaway network namespace),
nftables/iptables, the propagation of /, a static busybox for the bootstrap
image, and qemu for the VM comparison.

Each line is OK, WARN (vitro works, something is limited), MISSING or NEEDS ROOT.
The exit status is 1 when a hard requirement is missing or could not be checked.`,
			Args: cobra.NoArgs,
			RunE: func(c *cobra.Command, _ []string) error {
				rs := hostcheck.Check()
				err := render(c.OutOrStdout(), format, rs, func() *Table {
					t := &Table{Header: []string{"requirement", "status", "found"}}
					for _, r := range rs {
						t.Append(r.Name, string(r.Status), r.Detail)
					}
					return t
				})
				if err != nil {
					return err
				}
				if format == "table" || format == "" {
					printHints(c.OutOrStdout(), rs)
				}
				failed := 0
				for _, r := range rs {
					if r.Failed() {
						failed++
					}
				}
				if failed > 0 {
					fmt.Fprintf(c.ErrOrStderr(), "vitro: %d hard requirement(s) not met: see the hints above\n", failed)
					return silentError{exitCheckFailed}
				}
				return nil
			},
		}
		addFormatFlag(c, &format)
		root.AddCommand(c)
	})
}
