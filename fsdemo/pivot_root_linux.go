package fsdemo

import (
	"fmt"

	"github.com/vitro-dev/vitro/internal/trace"
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
// order. Run them in a process that has its own mount namespace; the
// process's root and working directory change for every thread.
func PivotRootSteps(newRoot string) []PivotStep {
	return []PivotStep{
		{
			Name:  "make / private, recursively",
			Shell: "mount --make-rprivate /",
			Why:   "pivot_root refuses a shared root (EINVAL), and nothing done next may propagate back to the host",
			Do: func() error {
				return Apply([]Mount{{Target: "/", Flags: unix.MS_REC | unix.MS_PRIVATE}})
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
			Name:  "chdir into it and pivot_root(\".\", \".\")",
			Shell: "cd " + newRoot + " && pivot_root . .",
			Why:   "the new root becomes /, and the old root is stacked on top of it at /, so no directory for it is needed inside the rootfs",
			Do: func() error {
				if err := unix.Chdir(newRoot); err != nil {
					return fmt.Errorf("chdir %s: %w", newRoot, err)
				}
				err := unix.PivotRoot(".", ".")
				trace.KernelEvent("pivot_root(2)", trace.Str("new_root", "."), trace.Str("put_old", "."), trace.Str("result", errString(err)))
				if err != nil {
					return &MountError{Op: "pivot_root", Source: newRoot, Target: ".", Err: err}
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
// Call it in a child with its own mount namespace (CLONE_NEWNS): it
// changes the root of every process in the namespace.
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
