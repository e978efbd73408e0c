package fsdemo

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/vitro-dev/vitro/internal/trace"
	"github.com/vitro-dev/vitro/nsdemo"
	"golang.org/x/sys/unix"
)

// PivotStep is one step of PivotRoot, exposed so that a demo can stop
// between steps and show the mount table.
type PivotStep struct {
	Name  string // what the step does
	Shell string // the shell command that does the same
	Why   string // why the step is there
	Do    func() error
}

// PivotRootSteps returns the steps of a safe pivot_root into newRoot, in
// order. Run them in a process that has its own mount namespace, and
// whose first act there was `mount --make-rprivate /` (MS_REC|MS_PRIVATE),
// before it mounted anything: that is what keeps every later mount off
// the host. The first step here is then deliberately NOT recursive, as in
// runc: a recursive change would also reset the volumes already bound
// under the new root, turning an rshared volume private.
//
// The process's root and working directory change for every thread.
func PivotRootSteps(newRoot string) []PivotStep {
	oldRoot := -1 // an fd on the old root, from step 3 to step 6
	return []PivotStep{
		{
			Name:  "make / and every shared mount outside the new root private",
			Shell: "mount --make-private / (and each shared mount outside " + newRoot + ")",
			Why: "pivot_root refuses (EINVAL) when / or the mount holding the new root is shared, and the old root's " +
				"unmount must not reach the host; mounts under the new root (volumes) keep the propagation they asked for, " +
				"which a recursive --make-rprivate / would reset",
			Do: func() error {
				ms, err := privatizeOutside(newRoot)
				if err != nil {
					return err
				}
				return Apply(ms)
			},
		},
		{
			Name:  "bind the new root onto itself",
			Shell: "mount --rbind " + newRoot + " " + newRoot,
			Why:   "pivot_root needs the new root to be a mount point; a plain directory is not one",
			Do: func() error {
				return Apply([]Mount{{Source: newRoot, Target: newRoot, Flags: unix.MS_BIND | unix.MS_REC}})
			},
		},
		{
			Name:  "chdir into it, pivot_root(\".\", \".\"), fchdir to the old root",
			Shell: "cd " + newRoot + " && pivot_root . .",
			Why: "the new root becomes /, and the old root is stacked on top of it at /, so the rootfs needs no directory for it; " +
				"an fd opened on the old / before, then fchdir, makes \".\" name the old root for the next two steps",
			Do: func() error {
				fd, err := unix.Open("/", unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
				if err != nil {
					return fmt.Errorf("open /: %w", err)
				}
				oldRoot = fd
				if err := unix.Chdir(newRoot); err != nil {
					return fmt.Errorf("chdir %s: %w", newRoot, err)
				}
				err = unix.PivotRoot(".", ".")
				trace.KernelEvent("pivot_root(2)", trace.Str("new_root", "."), trace.Str("put_old", "."), trace.Str("result", errString(err)))
				if err != nil {
					return &MountError{Op: "pivot_root", Source: newRoot, Target: ".", Err: err}
				}
				// mount(2) does not follow a mount stacked on the working
				// directory (umount2 does): without this, "." in the next
				// step would be the NEW root, and making it rslave would
				// turn its rshared volumes into slaves of a vanishing group.
				if err := unix.Fchdir(oldRoot); err != nil {
					return fmt.Errorf("fchdir to the old root: %w", err)
				}
				return nil
			},
		},
		{
			Name:  "make the old root a slave, recursively",
			Shell: "mount --make-rslave .",
			Why:   "so that unmounting it next cannot propagate to the host's mounts through a shared peer group",
			Do: func() error {
				return Apply([]Mount{{Target: ".", Flags: unix.MS_REC | unix.MS_SLAVE}})
			},
		},
		{
			Name:  "detach the old root",
			Shell: "umount -l .",
			Why:   "with the old root gone, no path leads back to the host's files: .. at / stays at /",
			Do: func() error {
				return unmount(".", unix.MNT_DETACH)
			},
		},
		{
			Name:  "chdir /",
			Shell: "cd /",
			Why:   "the working directory must not point into the detached tree",
			Do: func() error {
				if oldRoot >= 0 {
					unix.Close(oldRoot)
					oldRoot = -1
				}
				if err := unix.Chdir("/"); err != nil {
					return fmt.Errorf("chdir /: %w", err)
				}
				return nil
			},
		},
	}
}

// PivotRoot makes newRoot the root of the calling process's mount
// namespace and detaches the old root, the way runc does it. Unlike
// chroot, which only changes where one process's path lookups start,
// this leaves no mount of the old root in the namespace, so no ".." walk
// and no open directory outside can lead back (see ChrootEscape).
//
// Call it in a child with its own mount namespace (CLONE_NEWNS) that
// made / private recursively before its first mount: it changes the root
// of every process in the namespace.
func PivotRoot(newRoot string) error {
	if err := CheckRootfs(newRoot); err != nil {
		return err
	}
	trace.Action("pivot_root", trace.Str("new_root", newRoot))
	for _, s := range PivotRootSteps(newRoot) {
		if err := s.Do(); err != nil {
			return fmt.Errorf("pivot_root into %s: %s: %w", newRoot, s.Name, err)
		}
	}
	return nil
}

// privatizeOutside plans MS_PRIVATE (not recursive) for / and for every
// shared mount that is not under newRoot.
func privatizeOutside(newRoot string) ([]Mount, error) {
	real, err := filepath.EvalSymlinks(newRoot)
	if err != nil {
		return nil, fmt.Errorf("resolving %s: %w", newRoot, err)
	}
	table, err := nsdemo.MountTable(0)
	if err != nil {
		return nil, err
	}
	ms := []Mount{{Target: "/", Flags: unix.MS_PRIVATE}}
	for _, m := range table {
		inside := m.Mountpoint == real || strings.HasPrefix(m.Mountpoint, real+"/")
		if !inside && m.Mountpoint != "/" && strings.Contains(m.Propagation, "shared") {
			ms = append(ms, Mount{Target: m.Mountpoint, Flags: unix.MS_PRIVATE})
		}
	}
	return ms, nil
}
