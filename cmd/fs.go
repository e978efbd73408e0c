package cmd

import (
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
		fs.AddCommand(fsChrootEscapeCmd(), fsPivotRootCmd(), fsOverlayCmd(), fsMountsCmd(), fsVolumeCmd(), fsStorageCmd())
		root.AddCommand(fs)
	})
}

func fsChrootEscapeCmd() *cobra.Command {
	return demoCmd(&cobra.Command{
		Use:   "chroot-escape",
		Short: "Escape a chroot as root, then fail to escape after pivot_root",
		Long: `Build a busybox rootfs, put a secret file beside it on the host, and let a root
process inside try the classic escape (chroot into a subdirectory, walk "..",
chroot ".") twice: from a chroot, and after pivot_root with the old root
detached. Only the chroot can be escaped.`,
	}, func(c *cobra.Command) (*fsdemo.ChrootEscapeResult, error) {
		return fsdemo.ChrootEscape(c.Context())
	})
}

func fsOverlayCmd() *cobra.Command {
	return demoCmd(&cobra.Command{
		Use:   "overlay",
		Short: "Overlay anatomy: copy-up, whiteouts, opaque directories, and the layer they make",
		Long: `Mount two read-only lower layers, an upper and a work dir with overlayfs, then
read a lower file, modify it (copy-up), delete one (whiteout), replace a
directory (opaque) and create a file. After each operation, show what the
merged view, the upper dir and each lower hold, read off the filesystem.
Finish with the tar entries a layer made from the upper dir would contain.`,
	}, func(c *cobra.Command) (*fsdemo.OverlayResult, error) {
		return fsdemo.OverlayDemo(c.Context())
	})
}

func fsPivotRootCmd() *cobra.Command {
	var rootfs string
	c := demoCmd(&cobra.Command{
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
	}, func(c *cobra.Command) (*fsdemo.PivotRootResult, error) {
		return fsdemo.PivotRootDemo(c.Context(), rootfs)
	})
	c.Flags().StringVar(&rootfs, "rootfs", "", "directory to pivot into (default: a busybox rootfs built for the demo)")
	return c
}

func fsMountsCmd() *cobra.Command {
	return demoCmd(&cobra.Command{
		Use:   "mounts",
		Short: "The container's /proc, /dev, /sys and docker's masked and read-only paths",
		Long: `Start a child in new mount and PID namespaces, mount /proc, a tmpfs /dev with the
minimal devices, /dev/pts (newinstance), /dev/shm, /dev/mqueue and a read-only
/sys into a busybox rootfs, pivot into it, and mask and write-protect docker's
paths. Then check each path inside and on the host: inside /proc/kcore reads
empty and /proc/sysrq-trigger cannot be opened for writing (nothing is ever
written to it), while the host's mount table is unchanged.`,
	}, func(c *cobra.Command) (*fsdemo.MountsResult, error) {
		return fsdemo.MountsDemo(c.Context())
	})
}

func fsVolumeCmd() *cobra.Command {
	return demoCmd(&cobra.Command{
		Use:   "volume",
		Short: "Bind mounts as volumes: read-write, read-only (EROFS), private vs shared propagation",
		Long: `Bind a host directory into a busybox rootfs read-write (-v DIR:/data) and
read-only (-v DIR:/data-ro:ro), and a second directory with rshared and
rprivate propagation; pivot into the rootfs; write through each; then show
which bind sees a tmpfs mounted at the source after the binds were made.
The file written in /data is read back on the host.`,
	}, func(c *cobra.Command) (*fsdemo.VolumeResult, error) {
		return fsdemo.VolumeDemo(c.Context())
	})
}

func fsStorageCmd() *cobra.Command {
	var image string
	var count int
	c := demoCmd(&cobra.Command{
		Use:   "storage",
		Short: "Why union filesystems: N root filesystems by full copy (vfs) vs overlay, measured",
		Long: `Make --count container root filesystems from one image twice: by copying the
image each time (docker's vfs storage driver) and by one overlay mount each over
the shared image (overlay2). Shows the time each took and the disk each used,
measured by walking the directories (allocated blocks, like du) and, as a
cross-check, by the filesystem's used blocks (statfs) before and after.`,
		Example: `  vitro fs storage --count 50`,
	}, func(c *cobra.Command) (*fsdemo.StorageResult, error) {
		return fsdemo.StorageDemo(c.Context(), count, image)
	})
	c.Flags().IntVar(&count, "count", 20, "how many container root filesystems to make with each driver (1-200)")
	c.Flags().StringVar(&image, "image", "", "directory holding the image to use (default: a busybox rootfs built for the demo)")
	return c
}
