package fsdemo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"

	"github.com/vitro-dev/vitro/internal/trace"
	"golang.org/x/sys/unix"
)

// Apply performs the mounts in order. A bind mount's MS_RDONLY and the
// other per-mount flags take a second call (MS_REMOUNT|MS_BIND), and a
// propagation change a third, as the kernel requires. A missing target is
// created (a directory, or an empty file when a file is bound onto it).
// An overlay whose options do not fit in one page is mounted by
// mountOverlayLong. A mount with Root set has its target resolved inside
// Root first (see Mount.Root).
//
// If a mount fails, the mounts Apply made before it are unmounted again,
// newest first, so that nothing half-made is left; the error is a
// *MountError naming the call and its arguments.
func Apply(mounts []Mount) error {
	var done []string
	for _, m := range mounts {
		var err error
		if m.Root != "" {
			m.Target, err = scopedTarget(m.Root, m.Target)
		}
		mounted := false
		if err == nil {
			mounted, err = applyOne(m)
		}
		if err != nil {
			for i := len(done) - 1; i >= 0; i-- {
				unmount(done[i], unix.MNT_DETACH)
			}
			return err
		}
		if mounted {
			done = append(done, m.Target)
		}
	}
	return nil
}

// applyOne performs m and reports whether it added a mount (a remount or
// propagation change adds none).
func applyOne(m Mount) (bool, error) {
	if trace.Enabled(trace.Steps) {
		fs := []trace.Field{trace.Str("source", orNone(m.Source)), trace.Str("target", m.Target)}
		if m.Type != "" {
			fs = append(fs, trace.Str("type", m.Type))
		}
		fs = append(fs, trace.Str("flags", m.Flags.String()))
		if m.Data != "" {
			fs = append(fs, trace.Str("data", shorten(m.Data, 200)))
		}
		trace.Action("mount", fs...)
		for _, c := range m.Shell() {
			trace.Shell(c)
		}
	}
	if m.IsPropagationOnly() {
		return false, mountSyscall("propagation", "", m.Target, "", m.Flags, "")
	}
	if m.Flags&(unix.MS_REMOUNT|unix.MS_MOVE) != 0 {
		return false, mountSyscall("mount", m.Source, m.Target, m.Type, m.Flags, m.Data)
	}
	if err := ensureTarget(m); err != nil {
		return false, err
	}
	first := m.Flags &^ propagationFlags
	if m.IsBind() {
		first &= unix.MS_BIND | unix.MS_REC
	}
	var err error
	if m.Type == "overlay" && len(m.Data) >= pageSize() {
		err = mountOverlayLong(m)
	} else {
		err = mountSyscall("mount", m.Source, m.Target, m.Type, first, m.Data)
	}
	if err != nil {
		return false, err
	}
	if m.IsBind() && m.Flags&perMountFlags != 0 {
		if err := remountBind(m.Target, m.Flags); err != nil {
			unmount(m.Target, unix.MNT_DETACH)
			return false, err
		}
	}
	if p := m.Flags & propagationFlags; p != 0 {
		if err := mountSyscall("propagation", "", m.Target, "", p|(m.Flags&unix.MS_REC), ""); err != nil {
			unmount(m.Target, unix.MNT_DETACH)
			return false, err
		}
	}
	return true, nil
}

// remountBind sets per-mount flags on a bind mount. The flags of a bind
// remount replace the mount's own, so those already set (nosuid, nodev,
// noexec on /proc/sys, say) are read with statfs and kept, as runc does:
// otherwise making a path read-only would quietly drop its nosuid.
func remountBind(target string, flags Flags) error {
	var st unix.Statfs_t
	if err := unix.Statfs(target, &st); err != nil {
		return &MountError{Op: "statfs", Target: target, Err: err}
	}
	keep := Flags(0)
	for _, p := range []struct {
		st int64
		ms Flags
	}{{unix.ST_NOSUID, unix.MS_NOSUID}, {unix.ST_NODEV, unix.MS_NODEV}, {unix.ST_NOEXEC, unix.MS_NOEXEC},
		{unix.ST_NOATIME, unix.MS_NOATIME}, {unix.ST_NODIRATIME, unix.MS_NODIRATIME}, {unix.ST_RELATIME, unix.MS_RELATIME}} {
		if st.Flags&p.st != 0 {
			keep |= p.ms
		}
	}
	f := unix.MS_REMOUNT | unix.MS_BIND | (flags & (perMountFlags | unix.MS_REC)) | keep
	return mountSyscall("remount", "", target, "", f, "")
}

func mountSyscall(op, source, target, fstype string, flags Flags, data string) error {
	err := unix.Mount(source, target, fstype, uintptr(flags), data)
	if trace.Enabled(trace.Kernel) {
		trace.KernelEvent("mount(2)", trace.Str("source", orNone(source)), trace.Str("target", target),
			trace.Str("fstype", fstype), trace.Str("flags", flags.String()), trace.Str("data", shorten(data, 200)),
			trace.Str("result", errString(err)))
	}
	if err != nil {
		return &MountError{Op: op, Source: source, Target: target, Type: fstype, Flags: flags, Data: data, Err: err}
	}
	return nil
}

// Unmount detaches target (umount2 with MNT_DETACH): the mount leaves the
// tree at once and is freed when its last user is gone.
//
// Shell equivalent: umount -l TARGET
func Unmount(target string) error { return unmount(target, unix.MNT_DETACH) }

func unmount(target string, flags int) error {
	trace.Action("umount", trace.Str("target", target), trace.Int("flags", int64(flags)))
	trace.Shell("umount -l " + target)
	err := unix.Unmount(target, flags)
	trace.KernelEvent("umount2(2)", trace.Str("target", target), trace.Str("result", errString(err)))
	if err != nil {
		return &MountError{Op: "umount", Target: target, Err: err}
	}
	return nil
}

// scopedTarget resolves target, which lies in root, following symlinks
// as if root were /: a link to /etc ends at root/etc, never the host's.
// (A process could still swap a directory for a link between this check
// and the mount; runc now closes that gap with file descriptors,
// libpathrs, which a lesson can point to.)
func scopedTarget(root, target string) (string, error) {
	rel, err := filepath.Rel(root, target)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("mount target %s is not inside the rootfs %s", target, root)
	}
	t, err := securejoin.SecureJoin(root, rel)
	if err != nil {
		return "", fmt.Errorf("resolving mount target %s in %s: %w", rel, root, err)
	}
	if t != filepath.Clean(target) {
		trace.KernelEvent("mount target resolved in the rootfs", trace.Str("target", target), trace.Str("resolved", t))
	}
	return t, nil
}

// ensureTarget creates a missing mount point: an empty file when a file
// is bound onto it, a directory otherwise.
func ensureTarget(m Mount) error {
	if _, err := os.Lstat(m.Target); err == nil {
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("mount point %s: %w", m.Target, err)
	}
	if m.IsBind() {
		if st, err := os.Stat(m.Source); err == nil && !st.IsDir() {
			if err := os.MkdirAll(filepath.Dir(m.Target), 0o755); err != nil {
				return fmt.Errorf("creating mount point %s: %w", m.Target, err)
			}
			f, err := os.OpenFile(m.Target, os.O_CREATE|os.O_WRONLY, 0o644)
			if err != nil {
				return fmt.Errorf("creating mount point %s: %w", m.Target, err)
			}
			trace.KernelEvent("create mount point", trace.Str("file", m.Target))
			return f.Close()
		}
	}
	trace.KernelEvent("create mount point", trace.Str("dir", m.Target))
	if err := os.MkdirAll(m.Target, 0o755); err != nil {
		return fmt.Errorf("creating mount point %s: %w", m.Target, err)
	}
	return nil
}

func errString(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

func pageSize() int { return os.Getpagesize() }
