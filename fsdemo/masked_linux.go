package fsdemo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/vitro-dev/vitro/internal/trace"
	"golang.org/x/sys/unix"
)

// MaskPaths plans the masking of paths (MaskedPaths, once the container
// has pivoted and /proc and /sys are mounted). It looks at each path now,
// since a file and a directory are masked differently: a file gets
// /dev/null bound over it (reads return nothing), a directory an empty
// read-only tmpfs. Paths this kernel lacks are skipped. The paths are
// resolved inside "/" (Root), the container's root once it has pivoted.
//
// Shell equivalent: mount --bind /dev/null /proc/kcore; mount -t tmpfs -o ro tmpfs /proc/acpi
func MaskPaths(paths []string) []Mount {
	var ms []Mount
	for _, p := range paths {
		st, err := os.Lstat(p)
		if errors.Is(err, os.ErrNotExist) {
			trace.KernelEvent("mask: absent, skipped", trace.Str("path", p))
			continue
		}
		if err == nil && st.IsDir() {
			ms = append(ms, Mount{Source: "tmpfs", Target: p, Type: "tmpfs", Flags: unix.MS_RDONLY, Data: "size=0", Root: "/"})
		} else {
			// An error other than "absent" is left for Apply to report.
			ms = append(ms, Mount{Source: "/dev/null", Target: p, Flags: unix.MS_BIND, Root: "/"})
		}
	}
	return ms
}

// ReadOnlyMounts plans paths (ReadOnlyPaths) read-only: each is bound
// onto itself and the bind remounted read-only (a bind mount ignores
// MS_RDONLY on its first call; Apply makes the second). Absent paths are
// skipped.
//
// Shell equivalent: mount --rbind /proc/sys /proc/sys; mount -o remount,bind,ro /proc/sys
func ReadOnlyMounts(paths []string) []Mount {
	var ms []Mount
	for _, p := range paths {
		if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
			trace.KernelEvent("readonly: absent, skipped", trace.Str("path", p))
			continue
		}
		ms = append(ms, Mount{Source: p, Target: p, Flags: unix.MS_BIND | unix.MS_REC | unix.MS_RDONLY, Root: "/"})
	}
	return ms
}

// CreateDevices fills root's /dev (a fresh tmpfs) with Devices made by
// mknodat(2), as docker does for a root container, and DevSymlinks. Like
// every path vitro makes in a rootfs, /dev is opened inside root first
// (OpenInRoot) and the nodes are made relative to that descriptor, so an
// image whose /dev is a symlink to a host directory cannot send them
// there. mknod needs CAP_MKNOD in the initial user namespace; in a user
// namespace bind the host's nodes instead, as ContainerMounts does.
//
// Shell equivalent: mknod -m 666 ROOT/dev/null c 1 3
func CreateDevices(root string) error {
	dev, err := OpenInRoot(root, filepath.Join(root, "dev"))
	if err != nil {
		return err
	}
	defer dev.Close()
	shown := filepath.Join(root, "dev")
	for _, d := range Devices {
		p := filepath.Join(shown, d.Path)
		old := unix.Umask(0)
		err := unix.Mknodat(int(dev.Fd()), d.Path, unix.S_IFCHR|d.Mode, int(unix.Mkdev(d.Major, d.Minor)))
		unix.Umask(old)
		trace.KernelEvent("mknodat(2)", trace.Str("path", p), trace.Str("dirfd", realPath(dev)), trace.Str("type", "c"), trace.Int("major", int64(d.Major)),
			trace.Int("minor", int64(d.Minor)), trace.Str("result", errString(err)))
		if trace.Enabled(trace.Steps) {
			trace.Shellf("mknod -m %o %s c %d %d", d.Mode, p, d.Major, d.Minor)
		}
		if err != nil {
			return fmt.Errorf("mknod %s c %d %d: %w", p, d.Major, d.Minor, err)
		}
	}
	return createDevSymlinks(dev, shown)
}

// CreateDevSymlinks makes DevSymlinks in root's /dev (/dev/fd,
// /dev/stdin ..., /dev/ptmx) with symlinkat(2), relative to a descriptor
// on /dev resolved inside root: an image whose /dev is a symlink to a
// host directory gets its links inside its own root, never on the host.
// Existing links are left alone.
//
// Shell equivalent: ln -s /proc/self/fd ROOT/dev/fd
func CreateDevSymlinks(root string) error {
	dev, err := OpenInRoot(root, filepath.Join(root, "dev"))
	if err != nil {
		return err
	}
	defer dev.Close()
	return createDevSymlinks(dev, filepath.Join(root, "dev"))
}

func createDevSymlinks(dev *os.File, shown string) error {
	for _, l := range DevSymlinks {
		err := unix.Symlinkat(l[1], int(dev.Fd()), l[0])
		if err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("symlink %s -> %s: %w", filepath.Join(shown, l[0]), l[1], err)
		}
	}
	trace.KernelEvent("symlinkat(2)", trace.Str("dir", realPath(dev)), trace.Int("links", int64(len(DevSymlinks))))
	return nil
}
