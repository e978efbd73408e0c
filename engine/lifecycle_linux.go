package engine

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"

	"github.com/vitro-dev/vitro/cgroupdemo"
	"github.com/vitro-dev/vitro/engine/image"
	"github.com/vitro-dev/vitro/internal/trace"
)

// Refresh corrects a record whose process is gone without a goodbye (the
// `vitro run` that watched it was killed): such a container is exited.
//
// Its init is then gone too: vitro starts it with Pdeathsig SIGKILL, so it
// was killed with vitro, and the status is 137 (128 + SIGKILL). A record
// still "created" but with a PID is the same case, caught mid-start.
func (e *Engine) Refresh(c *Container) {
	switch {
	case c.State.Status == StatusRunning, c.State.Status == StatusPaused:
	case c.State.Status == StatusCreated && c.State.Pid > 0:
	default:
		return
	}
	if c.State.Pid > 0 && e.ownsProcess(c) {
		return
	}
	c.State.Status, c.State.Pid, c.State.ExitCode = StatusExited, 0, 137
	if c.State.Error == "" {
		c.State.Error = "the vitro process that ran it ended first (the container was killed with it); vitro rm releases what it held"
	}
}

// ownsProcess reports whether c's PID is still the container's init: the
// process exists and sits in the container's cgroup (a PID can be reused).
func (e *Engine) ownsProcess(c *Container) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", c.State.Pid))
	return err == nil && strings.Contains(string(b), e.cgroupName(c.ID))
}

// List returns every container with its state refreshed: a container
// whose owner died is reconciled first (reconcile_linux.go), and left
// out if that removed it (--rm).
func (e *Engine) List() ([]*Container, error) {
	cs, err := e.Containers.List()
	out := cs[:0]
	for _, c := range cs {
		c, rerr := e.reconcile(c)
		if rerr != nil {
			// The listing is still true; say what could not be cleaned.
			fmt.Fprintf(os.Stderr, "vitro: %v\n", rerr)
		}
		if c != nil {
			out = append(out, c)
		}
	}
	return out, err
}

// Get finds one container, refreshed (and reconciled if its owner died).
func (e *Engine) Get(ref string) (*Container, error) {
	c, err := e.Containers.Get(ref)
	if err != nil {
		return nil, err
	}
	got, err := e.reconcile(c)
	if err != nil {
		return nil, err
	}
	if got == nil {
		return nil, fmt.Errorf("%w: %s was started with --rm and removed when vitro found that the process running it had died", ErrNoSuchContainer, ref)
	}
	return got, nil
}

// Remove deletes a container: its record, its read-write layer and every
// runtime leftover (cgroup, address) a crash may have left. A running
// container is refused unless force, which kills it first.
func (e *Engine) Remove(ref string, force bool) error {
	c, err := e.Get(ref)
	if errors.Is(err, ErrNoSuchContainer) && len(ref) >= 3 {
		// A directory a failed create left without a record: ps -a cannot
		// show it, but rm of its ID (or a prefix) removes it.
		if gone, lerr := e.Containers.RemoveLeftovers(ref); lerr == nil && len(gone) > 0 {
			trace.Action("removed leftover", trace.Str("dirs", strings.Join(gone, " ")))
			return nil
		}
	}
	if err != nil {
		return err
	}
	l, err := e.Containers.LockContainer(c.ID)
	if err != nil {
		return err
	}
	defer l.Unlock()
	if c.State.Status == StatusRunning || c.State.Status == StatusPaused {
		if !force {
			return fmt.Errorf("container %s is running (PID %d): let its program end, or use vitro rm -f to kill it", c.Name, c.State.Pid)
		}
		if err := syscall.Kill(c.State.Pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("killing container %s (PID %d): %w", c.Name, c.State.Pid, err)
		}
		trace.Action("killed", trace.Str("container", c.Name), trace.Int("pid", int64(c.State.Pid)))
	}
	// Delete first, record after: the container's files (its read-write
	// layer and log, often what filled the disk) go before the writes that
	// record the release (the address pool's state), so that rm works on a
	// full disk. The record itself goes last, so a crash in between leaves
	// a container that rm can still find.
	if err := e.removeCgroup(c); err != nil { // nothing of it runs on while its files go
		return err
	}
	if err := unmountStray(c); err != nil { // never delete through a mount
		return err
	}
	if err := e.Containers.RemoveFiles(c.ID); err != nil {
		return err
	}
	if err := e.releaseRuntime(c); err != nil {
		return err
	}
	return e.removeRecord(c)
}

// removeRecord unpins the container's image and deletes its directory:
// record, upper, work.
func (e *Engine) removeRecord(c *Container) error {
	if store, err := image.Open(e.Config.DataRoot); err == nil && c.ImageID != "" {
		if err := store.Release(c.ImageID, c.ID); err != nil {
			return err
		}
	}
	if err := e.Containers.Remove(c.ID); err != nil {
		return err
	}
	trace.Action("removed", trace.Str("container", c.Name), trace.Str("id", c.ID[:12]))
	return nil
}

// removeCgroup kills what is left in the container's cgroup and removes
// it (nothing when it is gone already).
func (e *Engine) removeCgroup(c *Container) error {
	if d, err := cgroupdemo.Detect(cgroupdemo.DefaultRoot); err == nil {
		name := e.cgroupName(c.ID)
		if cg, err := cgroupdemo.Open(d, name); err == nil {
			if err := cg.KillAndRemove(); err != nil {
				return fmt.Errorf("removing cgroup %s: %w", name, err)
			}
		}
	}
	return nil
}
