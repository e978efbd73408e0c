package cmd

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/vitro-dev/vitro/fsdemo"
	"github.com/vitro-dev/vitro/nsdemo"
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
		fs.AddCommand(fsChrootEscapeCmd(), fsPivotRootCmd(), fsOverlayCmd(), fsMountsCmd(), fsVolumeCmd(), fsStorageCmd())
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

func fsPivotRootCmd() *cobra.Command {
	var format, rootfs string
	c := &cobra.Command{
		Use:   "pivot-root",
		Short: "pivot_root the safe way, step by step, with the mount table after each step",
		Long: `Run the steps of a safe pivot_root (make / private, bind the new root onto
itself, pivot_root(".", "."), make the old root a slave, detach it) in a child
with its own mount namespace. After each step the parent reads the child's
mount table from /proc/PID/mountinfo and shows what changed.

Without --rootfs a busybox rootfs is built in a temp dir and removed after.
--rootfs takes any directory holding a root filesystem, such as the unpacked
layer of a one-layer image (busybox): /var/lib/vitro/layers/sha256/<hex>/diff.`,
		Example: `  vitro fs pivot-root
  vitro fs pivot-root --rootfs /var/lib/vitro/layers/sha256/<hex>/diff`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			res, err := fsdemo.PivotRootDemo(c.Context(), rootfs)
			if err != nil {
				return err
			}
			w := c.OutOrStdout()
			if !isTable(format) {
				return render(w, format, res, nil)
			}
			fmt.Fprintf(w, "Mount table of the child before (%d mounts, a copy of the host's):\n", len(res.Before))
			if err := writeTable(w, mountTable(res.Before)); err != nil {
				return err
			}
			fmt.Fprintln(w)
			t := &Table{Header: []string{"step", "what", "shell", "mounts", "changes"}}
			for _, s := range res.Steps {
				ch := strings.Join(s.Changes, "; ")
				if ch == "" {
					ch = "(none visible)"
				}
				t.Append(fmt.Sprint(s.N), s.Name, s.Shell, fmt.Sprint(s.Mounts), ch)
			}
			if err := writeTable(w, t); err != nil {
				return err
			}
			fmt.Fprintf(w, "\nMount table of the child after (%d mounts); / holds: %s\n", len(res.After), strings.Join(res.Root, " "))
			return writeTable(w, mountTable(res.After))
		},
	}
	c.Flags().StringVar(&rootfs, "rootfs", "", "directory to pivot into (default: a busybox rootfs built for the demo)")
	addFormatFlag(c, &format)
	return c
}

func mountTable(ms []nsdemo.MountEntry) *Table {
	t := &Table{Header: []string{"id", "mountpoint", "fstype", "source", "options", "propagation"}}
	for _, m := range ms {
		t.Append(fmt.Sprint(m.ID), m.Mountpoint, m.FSType, m.Source, m.Options, m.Propagation)
	}
	return t
}

func fsMountsCmd() *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "mounts",
		Short: "The container's /proc, /dev, /sys and docker's masked and read-only paths",
		Long: `Start a child in new mount and PID namespaces, mount /proc, a tmpfs /dev with the
minimal devices, /dev/pts (newinstance), /dev/shm, /dev/mqueue and a read-only
/sys into a busybox rootfs, pivot into it, and mask and write-protect docker's
paths. Then check each path inside and on the host: inside /proc/kcore reads
empty and /proc/sysrq-trigger cannot be opened for writing (nothing is ever
written to it), while the host's mount table is unchanged.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			res, err := fsdemo.MountsDemo(c.Context())
			if err != nil {
				return err
			}
			w := c.OutOrStdout()
			if !isTable(format) {
				return render(w, format, res, nil)
			}
			fmt.Fprintf(w, "Inside the container (%d mounts):\n", len(res.Inside))
			if err := writeTable(w, mountTable(res.Inside)); err != nil {
				return err
			}
			fmt.Fprintf(w, "\n/dev inside: %s\n", strings.Join(res.Devices, ", "))
			fmt.Fprintf(w, "processes in /proc: %d inside, %d on the host\n", res.Processes[0], res.Processes[1])
			fmt.Fprintf(w, "/sys inside: %s\n\n", res.SysWritableInside)
			t := &Table{Header: []string{"path", "rule", "inside", "host", "why"}}
			for _, p := range res.Paths {
				t.Append(p.Path, p.Rule, p.Inside, p.Host, p.Why)
			}
			if err := writeTable(w, t); err != nil {
				return err
			}
			verdict := "none of the demo's mounts appeared there"
			if !res.HostUntouched {
				verdict = "the host saw the demo's mounts: " + strings.Join(res.HostSawDemo, " ")
			}
			fmt.Fprintf(w, "\nhost mount table: %d mounts before, %d while the container's were up, %d after; %s\n",
				res.HostMountsBefore, res.HostMountsDuring, res.HostMountsAfter, verdict)
			return nil
		},
	}
	addFormatFlag(c, &format)
	return c
}

func fsVolumeCmd() *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "volume",
		Short: "Bind mounts as volumes: read-write, read-only (EROFS), private vs shared propagation",
		Long: `Bind a host directory into a busybox rootfs read-write (-v DIR:/data) and
read-only (-v DIR:/data-ro:ro), and a second directory with rshared and
rprivate propagation; pivot into the rootfs; write through each; then show
which bind sees a tmpfs mounted at the source after the binds were made.
The file written in /data is read back on the host.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			res, err := fsdemo.VolumeDemo(c.Context())
			if err != nil {
				return err
			}
			w := c.OutOrStdout()
			if !isTable(format) {
				return render(w, format, res, nil)
			}
			t := &Table{Header: []string{"-v", "kind", "destination", "mode", "propagation"}}
			for _, v := range res.Volumes {
				t.Append(v.Spec, string(v.Kind), v.Destination, map[bool]string{true: "ro", false: "rw"}[v.ReadOnly], v.Propagation.String())
			}
			if err := writeTable(w, t); err != nil {
				return err
			}
			fmt.Fprintln(w, "\nInside the container, after pivot_root:")
			if err := writeTable(w, mountTable(res.Inside)); err != nil {
				return err
			}
			fmt.Fprintln(w)
			t = &Table{Header: []string{"action", "result", "as a volume should?"}}
			for _, ch := range res.Checks {
				t.Append(ch.Action, ch.Result, yesNo(ch.Expected))
			}
			if err := writeTable(w, t); err != nil {
				return err
			}
			fmt.Fprintf(w, "\nOn the host: %s\n", res.HostSees)
			return nil
		},
	}
	addFormatFlag(c, &format)
	return c
}

func fsStorageCmd() *cobra.Command {
	var format, image string
	var count int
	c := &cobra.Command{
		Use:   "storage",
		Short: "Why union filesystems: N root filesystems by full copy (vfs) vs overlay, measured",
		Long: `Make --count container root filesystems from one image twice: by copying the
image each time (docker's vfs storage driver) and by one overlay mount each over
the shared image (overlay2). Shows the time each took and the disk each used,
measured by walking the directories (allocated blocks, like du) and, as a
cross-check, by the filesystem's used blocks (statfs) before and after.`,
		Example: `  vitro fs storage --count 50`,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			res, err := fsdemo.StorageDemo(c.Context(), count, image)
			if err != nil {
				return err
			}
			w := c.OutOrStdout()
			if !isTable(format) {
				return render(w, format, res, nil)
			}
			fmt.Fprintf(w, "image: %s (%d files, %s on disk)\n\n", res.Image, res.ImageFiles, humanBytes(res.ImageBytes))
			t := &Table{Header: []string{"driver", "containers", "time", "disk (du)", "disk (statfs delta)", "per container", "note"}}
			for _, r := range res.Rows {
				t.Append(r.Driver, fmt.Sprint(r.Containers), r.Time.Round(10000).String(), humanBytes(r.DiskBytes),
					humanBytes(r.StatfsUsed), humanBytes(r.DiskBytes/int64(r.Containers)), r.Note)
			}
			return writeTable(w, t)
		},
	}
	c.Flags().IntVar(&count, "count", 20, "how many container root filesystems to make with each driver (1-200)")
	c.Flags().StringVar(&image, "image", "", "directory holding the image to use (default: a busybox rootfs built for the demo)")
	addFormatFlag(c, &format)
	return c
}

func humanBytes(b int64) string {
	neg := ""
	if b < 0 {
		neg, b = "-", -b
	}
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%s%.1f GiB", neg, float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%s%.1f MiB", neg, float64(b)/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%s%.1f KiB", neg, float64(b)/(1<<10))
	}
	return fmt.Sprintf("%s%d B", neg, b)
}
