package fsdemo

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"github.com/vitro-dev/vitro/internal/trace"
	"golang.org/x/sys/unix"
)

// A container's root belongs to the image, and an image is untrusted
// input: any directory in it may be a symlink, "/dev -> /etc" or
// "/data -> /home/alice". Joining strings (root + "/dev/fd") and handing
// the result to symlink(2) or mount(2) lets the kernel follow that link
// out of the root and onto the host. So every path the runtime creates or
// mounts inside a root is opened first, with each component resolved as
// if root were / (openat2(2) with RESOLVE_IN_ROOT on Linux 5.6+, a
// careful walk otherwise: filepath-securejoin's pathrs-lite), and the
// work is then done on the file descriptor:
//
//	symlinkat(target, dirfd, "fd")        not symlink(target, root+"/dev/fd")
//	mount(src, "/proc/self/fd/N", ...)    not mount(src, root+"/data", ...)
//
// A descriptor names one inode; no rename or symlink swapped in later
// can redirect it. (runc's mountToRootfs does the same.)

// openRoot opens root as an O_PATH directory handle.
func openRoot(root string) (*os.File, error) {
	f, err := os.OpenFile(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("opening rootfs: %w", err)
	}
	return f, nil
}

// relInRoot returns path relative to root; path may be given absolute
// on the host (root/dev) or as the container sees it (/dev) when root is
// "/". A path that is not below root is an error.
func relInRoot(root, path string) (string, error) {
	rel, err := filepath.Rel(root, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("path %s is not inside the rootfs %s", path, root)
	}
	return rel, nil
}

// OpenInRoot opens path (inside root) as an O_PATH handle, resolving
// every symlink as if root were /: a link to /etc ends at root/etc, and
// ".." stops at root. Magic links (/proc/self/root ...) are refused.
//
// Shell equivalent: none; the nearest is `realpath --root` (no such flag exists)
func OpenInRoot(root, path string) (*os.File, error) {
	r, err := openRoot(root)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	rel, err := relInRoot(root, path)
	if err != nil {
		return nil, err
	}
	f, err := pathrs.OpenatInRoot(r, rel)
	if err != nil {
		return nil, fmt.Errorf("opening %s inside the rootfs %s: %w", rel, root, err)
	}
	return f, nil
}

// MkdirAllInRoot is os.MkdirAll(root/path) with every component resolved
// inside root (see OpenInRoot), returning an O_PATH handle on the
// directory.
//
// Shell equivalent: mkdir -p ROOT/PATH (but never following a link out of ROOT)
func MkdirAllInRoot(root, path string, mode os.FileMode) (*os.File, error) {
	r, err := openRoot(root)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	rel, err := relInRoot(root, path)
	if err != nil {
		return nil, err
	}
	f, err := pathrs.MkdirAllHandle(r, rel, mode)
	if err != nil {
		return nil, fmt.Errorf("creating %s inside the rootfs %s: %w", rel, root, err)
	}
	return f, nil
}

// fdPath is the path that makes a syscall taking a path act on what f
// already refers to: the kernel follows /proc/self/fd/N to f's inode.
func fdPath(f *os.File) string { return "/proc/self/fd/" + strconv.Itoa(int(f.Fd())) }

// realPath is where f lies, as the kernel names it (for messages).
func realPath(f *os.File) string {
	p, err := os.Readlink(fdPath(f))
	if err != nil {
		return f.Name()
	}
	return p
}

// inRoot is a mount target resolved inside a rootfs: each call of open
// resolves it again, so after a mount it names the new mount's root.
type inRoot struct {
	root *os.File
	rel  string
}

func (t inRoot) open() (*os.File, error) { return pathrs.OpenatInRoot(t.root, t.rel) }

// checkPlainDir refuses a /proc or /sys mount point that the image made
// a symlink or a file, as runc does: procfs and sysfs go on a real
// directory, never wherever a link points (even inside the root).
func (t inRoot) checkPlainDir(fstype string) error {
	parent, err := pathrs.OpenatInRoot(t.root, filepath.Dir(t.rel))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer parent.Close()
	var st unix.Stat_t
	err = unix.Fstatat(int(parent.Fd()), filepath.Base(t.rel), &st, unix.AT_SYMLINK_NOFOLLOW)
	switch {
	case errors.Is(err, unix.ENOENT):
		return nil
	case err != nil:
		return fmt.Errorf("mount point /%s: %w", t.rel, err)
	case st.Mode&unix.S_IFMT == unix.S_IFLNK:
		return fmt.Errorf("the image's /%s is a symlink (to %q): %s must be mounted on a real directory, so the image is refused; rebuild it with /%s a directory",
			t.rel, t.danglingLink(), fstype, t.rel)
	case st.Mode&unix.S_IFMT != unix.S_IFDIR:
		return fmt.Errorf("the image's /%s is not a directory: %s must be mounted on a real directory; rebuild the image with /%s a directory", t.rel, fstype, t.rel)
	}
	return nil
}

// ensure opens the mount point, creating it when missing: an empty file
// when a file is bound onto it, a directory otherwise. Both are created
// relative to a directory handle resolved inside the root.
func (t inRoot) ensure(m Mount) (*os.File, error) {
	f, err := t.open()
	if err == nil {
		return f, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("mount point %s: %w", m.Target, err)
	}
	if m.IsBind() {
		if st, err := os.Stat(m.Source); err == nil && !st.IsDir() {
			dir, err := pathrs.MkdirAllHandle(t.root, filepath.Dir(t.rel), 0o755)
			if err != nil {
				return nil, fmt.Errorf("creating mount point %s: %w", m.Target, err)
			}
			defer dir.Close()
			fd, err := unix.Openat(int(dir.Fd()), filepath.Base(t.rel), unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_WRONLY|unix.O_CLOEXEC, 0o644)
			if err != nil {
				return nil, fmt.Errorf("creating mount point %s: %w (a symlink there that leads nowhere is refused)", m.Target, err)
			}
			unix.Close(fd)
			trace.KernelEvent("create mount point", trace.Str("file", m.Target), trace.Str("how", "openat(O_CREAT|O_EXCL|O_NOFOLLOW) in a dir resolved inside the root"))
			return t.open()
		}
	}
	trace.KernelEvent("create mount point", trace.Str("dir", m.Target), trace.Str("how", "mkdirat, each component resolved inside the root"))
	f, err = pathrs.MkdirAllHandle(t.root, t.rel, 0o755)
	if err != nil {
		if link := t.danglingLink(); link != "" {
			return nil, fmt.Errorf("mount point %s is a symlink to %q, which does not exist inside the rootfs: vitro creates nothing through a symlink; make the directory in the image", m.Target, link)
		}
		return nil, fmt.Errorf("creating mount point %s: %w", m.Target, err)
	}
	return f, nil
}

// danglingLink returns the target of the link at rel when rel is a
// symlink, "" otherwise.
func (t inRoot) danglingLink() string {
	parent, err := pathrs.OpenatInRoot(t.root, filepath.Dir(t.rel))
	if err != nil {
		return ""
	}
	defer parent.Close()
	b := make([]byte, 4096)
	n, err := unix.Readlinkat(int(parent.Fd()), filepath.Base(t.rel), b)
	if err != nil {
		return ""
	}
	return string(b[:n])
}

// applyInRoot performs m, whose Target lies in m.Root, on descriptors
// resolved inside the root. It returns the mount's real path (for undoing
// it) when it added a mount.
func applyInRoot(m Mount) (string, error) {
	root, err := openRoot(m.Root)
	if err != nil {
		return "", err
	}
	defer root.Close()
	rel, err := relInRoot(m.Root, m.Target)
	if err != nil {
		return "", fmt.Errorf("mount target: %w", err)
	}
	t := inRoot{root: root, rel: rel}
	if m.Type == "proc" || m.Type == "sysfs" {
		if err := t.checkPlainDir(m.Type); err != nil {
			return "", err
		}
	}
	var f *os.File
	if m.IsPropagationOnly() || m.Flags&(unix.MS_REMOUNT|unix.MS_MOVE) != 0 {
		f, err = t.open()
	} else {
		f, err = t.ensure(m)
	}
	if err != nil {
		return "", fmt.Errorf("resolving mount target %s in %s: %w", rel, m.Root, err)
	}
	defer f.Close()
	real := realPath(f)
	if real != filepath.Clean(m.Target) {
		trace.KernelEvent("mount target resolved in the rootfs", trace.Str("target", m.Target), trace.Str("resolved", real))
	}
	// A self-bind (ReadOnlyMounts) takes its source from the same handle.
	if m.IsBind() && filepath.Clean(m.Source) == filepath.Clean(m.Target) {
		m.Source = fdPath(f)
	}
	mounted, err := applyOne(m, mountPoint{shown: m.Target, first: fdPath(f), again: t.open})
	if err != nil || !mounted {
		return "", err
	}
	return real, nil
}
