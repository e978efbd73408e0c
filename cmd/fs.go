package cmd

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/vitro-dev/vitro/fsdemo"
)

func init() {
	register(func(root *cobra.Command, g *Globals) {
		fs := &cobra.Command{
			Use:   "fs",
			Short: "Root filesystems: chroot vs pivot_root, overlay layers, mounts, volumes",
			Long: `Demonstrations of how a container gets its root filesystem. Each runs its mount
work in a child process with its own mount namespace, so the host's mount table
is never changed, and removes everything it made when it ends (also on Ctrl-C).`,
		}
		fs.AddCommand(fsChrootEscapeCmd(), fsOverlayCmd())
		root.AddCommand(fs)
	})
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func fsChrootEscapeCmd() *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "chroot-escape",
		Short: "Escape a chroot as root, then fail to escape after pivot_root",
		Long: `Build a busybox rootfs, put a secret file beside it on the host, and let a root
process inside try the classic escape (chroot into a subdirectory, walk "..",
chroot ".") twice: from a chroot, and after pivot_root with the old root
detached. Only the chroot can be escaped.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			res, err := fsdemo.ChrootEscape(c.Context())
			if err != nil {
				return err
			}
			return render(c.OutOrStdout(), format, res, func() *Table {
				t := &Table{Header: []string{"method", "escaped?", "what it could read"}}
				for _, a := range res.Attempts {
					t.Append(a.Method, yesNo(a.Escaped), a.Read)
				}
				return t
			})
		},
	}
	addFormatFlag(c, &format)
	return c
}

// isTable reports whether format asks for the human layout, which for
// the multi-part demos is several tables.
func isTable(format string) bool { return format == "" || format == "table" }

func fsOverlayCmd() *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "overlay",
		Short: "Overlay anatomy: copy-up, whiteouts, opaque directories, and the layer they make",
		Long: `Mount two read-only lower layers, an upper and a work dir with overlayfs, then
read a lower file, modify it (copy-up), delete one (whiteout), replace a
directory (opaque) and create a file. After each operation, show what the
merged view, the upper dir and each lower hold, read off the filesystem.
Finish with the tar entries a layer made from the upper dir would contain.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			res, err := fsdemo.OverlayDemo(c.Context())
			if err != nil {
				return err
			}
			w := c.OutOrStdout()
			if !isTable(format) {
				return render(w, format, res, nil)
			}
			fmt.Fprintf(w, "lowerdir (top first): %s\nupperdir: %s\nworkdir:  %s\nmerged:   %s\n\n",
				strings.Join(res.Lowers, ":"), res.Upper, res.Work, res.Merged)
			for i, s := range res.Steps {
				fmt.Fprintf(w, "%d. %s\n   $ %s\n", i+1, s.Op, s.Shell)
				if s.Output != "" {
					fmt.Fprintf(w, "   read: %q\n", s.Output)
				}
				fmt.Fprintf(w, "   %s\n\n", s.Explain)
				if err := writeTable(w, overlayStepTable(res, s)); err != nil {
					return err
				}
				fmt.Fprintln(w)
			}
			fmt.Fprintln(w, "The layer tarball the upper dir would become (how images record changes):")
			t := &Table{Header: []string{"tar entry", "type", "size", "from upper"}}
			for _, e := range res.Layer {
				t.Append(e.Name, e.Type, fmt.Sprint(e.Size), e.From)
			}
			return writeTable(w, t)
		},
	}
	addFormatFlag(c, &format)
	return c
}

// overlayStepTable sets the layers side by side: one row per path, one
// column per layer, top to bottom.
func overlayStepTable(res *fsdemo.OverlayResult, s fsdemo.OverlayStep) *Table {
	cols := [][]fsdemo.OverlayEntry{s.Merged, s.Upper}
	header := []string{"path", "merged", "upper"}
	for i, l := range s.Lowers {
		cols = append(cols, l)
		where := "lower"
		switch {
		case i == 0:
			where = "lower, top"
		case i == len(s.Lowers)-1:
			where = "lower, base"
		}
		header = append(header, fmt.Sprintf("%s (%s)", filepath.Base(res.Lowers[i]), where))
	}
	var paths []string
	seen := map[string]bool{}
	for _, col := range cols {
		for _, e := range col {
			if !seen[e.Path] {
				seen[e.Path] = true
				paths = append(paths, e.Path)
			}
		}
	}
	sort.Strings(paths)
	t := &Table{Header: header}
	for _, p := range paths {
		row := []string{p}
		for _, col := range cols {
			cell := "-"
			for _, e := range col {
				if e.Path == p {
					cell = e.State
				}
			}
			row = append(row, cell)
		}
		t.Append(row...)
	}
	return t
}
