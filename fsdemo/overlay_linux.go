package fsdemo

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/vitro-dev/vitro/internal/trace"
	"golang.org/x/sys/unix"
)

// errNoLowerdirPlus: the kernel predates fsconfig's "lowerdir+" key.
var errNoLowerdirPlus = errors.New(`overlay: this kernel has no "lowerdir+" (Linux 6.8)`)

// forceRelativeOverlay makes mountOverlayLong skip the new mount API, so
// tests can exercise the fallback on a kernel that has both.
var forceRelativeOverlay = false

// mountOverlayLong mounts an overlay whose options are a page or longer,
// which mount(2) would cut short (it copies one page of data).
//
// Two roads, in order of preference:
//
//  1. The new mount API (fsopen, fsconfig, fsmount, move_mount), with
//     "lowerdir+", which appends ONE lower layer per fsconfig call
//     (Linux 6.8). Each call carries one path, so there is no limit on
//     the total but the kernel's 500 layers, nothing depends on path
//     lengths, and no working directory changes: this is what a runtime
//     should do today.
//  2. On older kernels fsconfig rejects "lowerdir+" with EINVAL. Then do
//     what containerd does: make every path relative to the directory
//     that holds them all, and call mount(2) from inside it, so that
//     "lowerdir=sha256:.../fs" becomes "lowerdir=12/fs". The chdir is
//     made on a locked OS thread that first unshares its filesystem
//     attributes (CLONE_FS), so no other goroutine sees it, and the
//     thread is thrown away afterwards.
func mountOverlayLong(m Mount) error {
	if !forceRelativeOverlay {
		err := mountOverlayFsconfig(m)
		if !errors.Is(err, errNoLowerdirPlus) && !errors.Is(err, unix.ENOSYS) {
			return err
		}
		trace.Action("overlay: lowerdir+ not supported by this kernel (needs Linux 6.8); using relative paths")
	}
	dir, rel, err := relativeOverlayData(m.Data)
	if err != nil {
		return fmt.Errorf("overlay on %s: %w", m.Target, err)
	}
	if len(rel) >= pageSize() {
		return &MountError{Op: "mount", Source: m.Source, Target: m.Target, Type: m.Type, Flags: m.Flags, Data: m.Data,
			Err: fmt.Errorf("options are %d bytes even relative to %s, over the %d-byte page mount(2) accepts: use Linux 6.8 or later (lowerdir+), shorter layer paths, or fewer layers", len(rel), dir, pageSize())}
	}
	done := make(chan error, 1)
	go func() {
		// Never unlocked: the goroutine's end takes the thread with it.
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_FS); err != nil {
			done <- fmt.Errorf("unshare(CLONE_FS): %w", err)
			return
		}
		if err := unix.Chdir(dir); err != nil {
			done <- fmt.Errorf("chdir %s: %w", dir, err)
			return
		}
		trace.KernelEvent("chdir(2)", trace.Str("dir", dir), trace.Int("data_bytes", int64(len(rel))))
		trace.Shellf("cd %s && mount -t overlay overlay -o %s %s", dir, shorten(rel, 200), m.Target)
		done <- mountSyscall("mount", m.Source, m.Target, m.Type, m.Flags&^propagationFlags, rel)
	}()
	return <-done
}

// mountOverlayFsconfig builds the overlay with the new mount API, one
// fsconfig call per option and per lower layer.
//
// Shell equivalent (util-linux 2.39+ does the same for long options):
// mount -t overlay overlay -o lowerdir+=L1,lowerdir+=L2,upperdir=U,workdir=W TARGET
func mountOverlayFsconfig(m Mount) error {
	lowers, rest := overlayOptions(m.Data)
	fail := func(op, key, val string, err error) error {
		return &MountError{Op: op, Source: key, Target: m.Target, Type: m.Type, Flags: m.Flags, Data: val, Err: err}
	}
	fd, err := unix.Fsopen("overlay", unix.FSOPEN_CLOEXEC)
	trace.KernelEvent("fsopen(2)", trace.Str("fs", "overlay"), trace.Int("fd", int64(fd)), trace.Str("result", errString(err)))
	if err != nil {
		return fail("fsopen", "overlay", "", err)
	}
	defer unix.Close(fd)
	set := func(k, v string) error {
		var err error
		if v == "" && k != "source" {
			err = unix.FsconfigSetFlag(fd, k)
		} else {
			err = unix.FsconfigSetString(fd, k, v)
		}
		trace.KernelEvent("fsconfig(2)", trace.Str("key", k), trace.Str("value", v), trace.Str("result", errString(err)))
		if err != nil {
			return fail("fsconfig", k, v, err)
		}
		return nil
	}
	if err := set("source", orNone(m.Source)); err != nil {
		return err
	}
	for i, l := range lowers {
		if err := set("lowerdir+", l); err != nil {
			if i == 0 && errors.Is(err, unix.EINVAL) {
				return fmt.Errorf("%w: %w", errNoLowerdirPlus, err)
			}
			return err
		}
	}
	for _, kv := range rest {
		if err := set(kv[0], kv[1]); err != nil {
			return err
		}
	}
	if err := unix.FsconfigCreate(fd); err != nil {
		return fail("fsconfig", "FSCONFIG_CMD_CREATE", "", err)
	}
	attr := 0
	for _, p := range [][2]int{{unix.MS_RDONLY, unix.MOUNT_ATTR_RDONLY}, {unix.MS_NOSUID, unix.MOUNT_ATTR_NOSUID},
		{unix.MS_NODEV, unix.MOUNT_ATTR_NODEV}, {unix.MS_NOEXEC, unix.MOUNT_ATTR_NOEXEC}} {
		if int(m.Flags)&p[0] != 0 {
			attr |= p[1]
		}
	}
	mfd, err := unix.Fsmount(fd, unix.FSMOUNT_CLOEXEC, attr)
	trace.KernelEvent("fsmount(2)", trace.Int("fd", int64(mfd)), trace.Hex("attr", uint64(attr)), trace.Str("result", errString(err)))
	if err != nil {
		return fail("fsmount", "", "", err)
	}
	defer unix.Close(mfd)
	err = unix.MoveMount(mfd, "", unix.AT_FDCWD, m.Target, unix.MOVE_MOUNT_F_EMPTY_PATH)
	trace.KernelEvent("move_mount(2)", trace.Str("target", m.Target), trace.Str("result", errString(err)))
	if err != nil {
		return fail("move_mount", "", "", err)
	}
	return nil
}
