package cgroupdemo

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/vitro-dev/vitro/internal/trace"
	"golang.org/x/sys/unix"
)

// Kill sends SIGKILL to every process in the cgroup and the cgroups below
// it. On v2 kernels with cgroup.kill (Linux 5.14+) one write does it, and
// the kernel guarantees no task escapes by forking. Elsewhere vitro does
// what runc does: freeze the cgroup so nothing can fork, signal each PID
// in cgroup.procs, thaw so the signals are delivered.
//
// Shell equivalent: echo 1 > cgroup.kill, or kill -9 $(cat cgroup.procs)
func (c *Cgroup) Kill() error {
	dir, err := c.drv.Dir(c.Name, "")
	if err != nil {
		return err
	}
	for _, d := range c.drv.Dirs(c.Name) {
		if exists(d) { // the first hierarchy that has it, should it be half-made
			dir = d
			break
		}
	}
	if c.drv.Mode() == Unified && exists(filepath.Join(dir, "cgroup.kill")) {
		return c.Apply([]Write{{File: "cgroup.kill", Value: "1"}})
	}
	if !populated(dir) {
		return nil // nothing to kill: no freeze, no writes
	}
	ctx, cancel := context.WithTimeout(context.Background(), FreezeTimeout)
	defer cancel()
	frozen := false
	if _, err := c.drv.Dir(c.Name, "freezer"); err == nil || c.drv.Mode() == Unified {
		frozen = c.Freeze(ctx) == nil
	}
	var errs []error
	filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || !e.IsDir() {
			return nil
		}
		procs, err := readProcs(p)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
			return nil
		}
		for _, pid := range procs {
			trace.Action("kill", trace.Int("pid", int64(pid)), trace.Str("signal", "SIGKILL"))
			trace.Shellf("kill -9 %d", pid)
			if err := unix.Kill(pid, unix.SIGKILL); err != nil && !errors.Is(err, unix.ESRCH) {
				errs = append(errs, fmt.Errorf("kill -9 %d: %w", pid, err))
			}
		}
		return nil
	})
	if frozen {
		errs = append(errs, c.Thaw(ctx))
	}
	return errors.Join(errs...)
}

// KillAndRemove kills what is left in the cgroup and removes it: the
// cleanup every demo defers.
func (c *Cgroup) KillAndRemove() error {
	kerr := c.Kill()
	if errors.Is(kerr, os.ErrNotExist) {
		kerr = nil
	}
	return errors.Join(kerr, c.Remove())
}

// populated reports whether any cgroup at or below dir holds a process.
func populated(dir string) bool {
	found := false
	filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && e.IsDir() {
			if procs, _ := readProcs(p); len(procs) > 0 {
				found = true
				return filepath.SkipAll
			}
		}
		return nil
	})
	return found
}
