package fsdemo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/vitro-dev/vitro/internal/trace"
	"golang.org/x/sys/unix"
)

// Apply performs the mounts in order. A bind mount's MS_RDONLY and the
// other per-mount flags take a second call (MS_REMOUNT|MS_BIND), and a
// propagation change a third, as the kernel requires. A missing target is
// created (a directory, or an empty file when a file is bound onto it).
// An overlay whose options do not fit in one page is mounted by
// mountOverlayLong. A mount with Root set is made on a descriptor
// resolved inside Root (see Mount.Root and inroot_linux.go).
//
// If a mount fails, the mounts Apply made before it are unmounted again,
// newest first, so that nothing half-made is left; the error is a
// *MountError naming the call and its arguments.
func Apply(mounts []Mount) error {
	var done []string
	for _, m := range mounts {
		var err error
		real := ""
		if m.Root != "" {
			real, err = applyInRoot(m)
		} else {
			var mounted bool
			mounted, err = applyOne(m, mountPoint{shown: m.Target, first: m.Target})
			if mounted {
				real = m.Target
			}
		}
		if err != nil {
			for i := len(done) - 1; i >= 0; i-- {
				unmount(done[i], unix.MNT_DETACH|unix.UMOUNT_NOFOLLOW)
			}
			return err
		}
		if real != "" {
			done = append(done, real)
		}
	}
	return nil
}

// mountPoint is where applyOne mounts: the target as planned (for
// messages), the path the first mount(2) takes, and for a target inside a
// rootfs a way to resolve it again once something is mounted there (the
// remount and propagation calls must reach the new mount, not the
// directory under it).
type mountPoint struct {
	shown string
	first string
	again func() (*os.File, error) // nil: first is a plain path, use it again
}

// reopen returns a path naming the target now, and a function to release it.
func (p mountPoint) reopen() (string, func(), error) {
	if p.again == nil {
		return p.first, func() {}, nil
	}
	f, err := p.again()
	if err != nil {
		return "", nil, fmt.Errorf("resolving mount target %s again: %w", p.shown, err)
	}
	return fdPath(f), func() { f.Close() }, nil
}

// applyOne performs m and reports whether it added a mount (a remount or
// propagation change adds none).
func applyOne(m Mount, p mountPoint) (bool, error) {
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
		return false, mountAt("propagation", "", p.shown, p.first, "", m.Flags, "")
	}
	if m.Flags&(unix.MS_REMOUNT|unix.MS_MOVE) != 0 {
		return false, mountAt("mount", m.Source, p.shown, p.first, m.Type, m.Flags, m.Data)
	}
	if p.again == nil {
		if err := ensureTarget(m); err != nil {
			return false, err
		}
	}
	first := m.Flags &^ propagationFlags
	if m.IsBind() {
		first &= unix.MS_BIND | unix.MS_REC
	}
	var err error
	if m.Type == "overlay" && len(m.Data) >= pageSize() {
		long := m
		long.Target = p.first
		err = mountOverlayLong(long)
	} else {
		err = mountAt("mount", m.Source, p.shown, p.first, m.Type, first, m.Data)
	}
	if err != nil {
		return false, err
	}
	if m.Flags&(perMountFlags|propagationFlags) == 0 {
		return true, nil
	}
	now, release, err := p.reopen()
	if err != nil {
		unmount(p.first, unix.MNT_DETACH)
		return false, err
	}
	defer release()
	if m.IsBind() && m.Flags&perMountFlags != 0 {
		if err := remountBind(p.shown, now, m.Flags); err != nil {
			unmount(now, unix.MNT_DETACH)
			return false, err
		}
	}
	if pf := m.Flags & propagationFlags; pf != 0 {
		if err := mountAt("propagation", "", p.shown, now, "", pf|(m.Flags&unix.MS_REC), ""); err != nil {
			unmount(now, unix.MNT_DETACH)
			return false, err
		}
	}
	return true, nil
}

// remountBind sets per-mount flags on a bind mount. The flags of a bind
// remount replace the mount's own, so those already set (nosuid, nodev,
// noexec on /proc/sys, say) are read with statfs and kept, as runc does:
// otherwise making a path read-only would quietly drop its nosuid.
func remountBind(target, at string, flags Flags) error {
	var st unix.Statfs_t
	if err := unix.Statfs(at, &st); err != nil {
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
	return mountAt("remount", "", target, at, "", f, "")
}

func mountSyscall(op, source, target, fstype string, flags Flags, data string) error {
	return mountAt(op, source, target, target, fstype, flags, data)
}

// mountAt calls mount(2) on at, a path naming target (target itself, or
// /proc/self/fd/N of a handle resolved inside a rootfs); errors name target.
func mountAt(op, source, target, at, fstype string, flags Flags, data string) error {
	err := unix.Mount(source, at, fstype, uintptr(flags), data)
	if trace.Enabled(trace.Kernel) {
		fs := []trace.Field{trace.Str("source", orNone(source)), trace.Str("target", target)}
		if at != target {
			fs = append(fs, trace.Str("via", at))
		}
		fs = append(fs, trace.Str("fstype", fstype), trace.Str("flags", flags.String()), trace.Str("data", shorten(data, 200)),
			trace.Str("result", errString(err)))
		trace.KernelEvent("mount(2)", fs...)
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
