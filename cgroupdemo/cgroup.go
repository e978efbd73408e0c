package cgroupdemo

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/vitro-dev/vitro/internal/trace"
)

// Parent is where vitro's cgroups live, in every hierarchy, as docker's
// live under docker/.
const Parent = "vitro"

// Cgroup is one cgroup made or opened by vitro: a name and the driver
// that knows where its files are. The engine uses it for -m, --cpus,
// --pids-limit, --cpuset-cpus, pause and stats:
//
//	cg, err := cgroupdemo.Create(drv, "vitro/"+id)   // mkdir, enable controllers
//	err = cg.Set(cgroupdemo.Resources{Memory: 64 << 20})
//	err = cg.Join(pid)
//	st, err := cg.Stats()
//	err = cg.Freeze(ctx) ... cg.Thaw(ctx)
//	err = cg.Kill(); err = cg.Remove()
type Cgroup struct {
	Name string // relative to each hierarchy's mount: vitro/web
	drv  Driver

	mu  sync.Mutex
	log []Applied
}

// Create makes cgroup name in every hierarchy the driver uses, with its
// missing parents, and prepares it for use (Driver.Setup). A cgroup that
// exists already is reused. On failure, directories it made are removed.
//
// Shell equivalent: mkdir -p /sys/fs/cgroup/memory/vitro/web ...
func Create(d Driver, name string) (*Cgroup, error) {
	if err := ValidName(name); err != nil {
		return nil, err
	}
	c := &Cgroup{Name: name, drv: d}
	var made []string
	undo := func() {
		for i := len(made) - 1; i >= 0; i-- {
			os.Remove(made[i])
		}
	}
	for _, dir := range d.Dirs(name) {
		// Make each missing level, remembering it for undo.
		var missing []string
		for p := dir; !exists(p); p = filepath.Dir(p) {
			missing = append([]string{p}, missing...)
		}
		for _, p := range missing {
			err := os.Mkdir(p, 0o755)
			if errors.Is(err, fs.ErrExist) {
				continue // made meanwhile by someone else: not ours to undo
			}
			if err != nil {
				undo()
				return nil, fmt.Errorf("creating cgroup %s: %w", p, unwrapPathError(err))
			}
			made = append(made, p)
			trace.Action("cgroup mkdir", trace.Str("path", p))
			trace.Shell("mkdir " + p)
		}
	}
	ws, err := d.Setup(name)
	if err == nil {
		err = c.Apply(ws)
	}
	if err != nil {
		undo()
		return nil, fmt.Errorf("setting up cgroup %s: %w", name, err)
	}
	return c, nil
}

// Open returns the existing cgroup name.
func Open(d Driver, name string) (*Cgroup, error) {
	if err := ValidName(name); err != nil {
		return nil, err
	}
	// On v1 a cgroup left half-made (by a crash) exists in only some
	// hierarchies; it can still be opened, to be removed.
	dirs := d.Dirs(name)
	for _, dir := range dirs {
		if exists(dir) {
			return &Cgroup{Name: name, drv: d}, nil
		}
	}
	return nil, fmt.Errorf("cgroup %s: %w", dirs[0], fs.ErrNotExist)
}

// Driver is the driver the cgroup was made with.
func (c *Cgroup) Driver() Driver { return c.drv }

// Dirs are the cgroup's directories (one per hierarchy on v1).
func (c *Cgroup) Dirs() []string { return c.drv.Dirs(c.Name) }

// Log returns the writes made through this handle so far.
func (c *Cgroup) Log() []Applied {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Applied(nil), c.log...)
}

// Plan returns the writes that Set would make for r.
func (c *Cgroup) Plan(r Resources) ([]Write, error) { return c.drv.Plan(r) }

// Set plans r and applies it.
func (c *Cgroup) Set(r Resources) error {
	ws, err := c.drv.Plan(r)
	if err != nil {
		return fmt.Errorf("planning limits for cgroup %s: %w", c.Name, err)
	}
	return c.Apply(ws)
}

// Join moves process pid, with all its threads, into the cgroup.
//
// Shell equivalent: echo PID > /sys/fs/cgroup/.../cgroup.procs
func (c *Cgroup) Join(pid int) error { return c.Apply(c.drv.Join(pid)) }

// Procs lists the processes in the cgroup itself (not its children).
func (c *Cgroup) Procs() ([]int, error) {
	dir, err := c.drv.Dir(c.Name, "")
	if err != nil {
		return nil, err
	}
	return readProcs(dir)
}

// Stats reads the cgroup's usage, limits and counters.
func (c *Cgroup) Stats() (*Stats, error) { return c.drv.Stats(c.Name) }

// Events are the counters of things the kernel did to the cgroup.
type Events struct {
	MemoryMax uint64 `json:"memory_max"` // usage hit the memory limit
	OOM       uint64 `json:"oom"`        // the OOM killer ran
	OOMKill   uint64 `json:"oom_kill"`   // processes it killed
	PidsMax   uint64 `json:"pids_max"`   // forks refused by pids.max
}

// Events reads the cgroup's event counters (memory.events, pids.events on
// v2; memory.failcnt, memory.oom_control, pids.events on v1).
func (c *Cgroup) Events() (Events, error) {
	st, err := c.Stats()
	if err != nil {
		return Events{}, err
	}
	return Events{MemoryMax: st.Memory.Max, OOM: st.Memory.OOM, OOMKill: st.Memory.OOMKill, PidsMax: st.Pids.Max}, nil
}

// Freeze stops every task of the cgroup and waits until the kernel says
// they all are (what `docker pause` does).
func (c *Cgroup) Freeze(ctx context.Context) error { return c.setFrozen(ctx, true) }

// Thaw lets the tasks run again (`docker unpause`).
func (c *Cgroup) Thaw(ctx context.Context) error { return c.setFrozen(ctx, false) }

// FreezeTimeout bounds how long Freeze and Thaw wait for the kernel.
var FreezeTimeout = 10 * time.Second

func (c *Cgroup) setFrozen(ctx context.Context, frozen bool) error {
	want := Thawed
	if frozen {
		want = Frozen
	}
	if err := c.Apply(c.drv.Freeze(frozen)); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, FreezeTimeout)
	defer cancel()
	last := time.Now()
	for {
		st, err := c.drv.FreezeState(c.Name)
		if err != nil {
			return fmt.Errorf("reading the freezer state of %s: %w", c.Name, err)
		}
		if st == want {
			trace.KernelEvent("cgroup frozen state", trace.Str("cgroup", c.Name), trace.Str("state", string(st)))
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cgroup %s still %s, want %s: %w", c.Name, st, want, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
		// v1 can stay FREEZING when a task is busy in the kernel: writing
		// FROZEN again retries, as runc does.
		if frozen && time.Since(last) > 100*time.Millisecond {
			last = time.Now()
			if err := c.Apply(c.drv.Freeze(true)); err != nil {
				return err
			}
		}
	}
}

// RemoveTimeout bounds how long Remove waits for tasks to drain.
var RemoveTimeout = 10 * time.Second

// Remove deletes the cgroup and any cgroups below it, in every hierarchy,
// retrying while the kernel says EBUSY (killed tasks are still exiting).
// It ignores a cgroup that is already gone. It takes no context so that
// cleanup after Ctrl-C still completes.
//
// Shell equivalent: rmdir /sys/fs/cgroup/*/vitro/web
func (c *Cgroup) Remove() error {
	deadline := time.Now().Add(RemoveTimeout)
	var errs []error
	for _, dir := range c.drv.Dirs(c.Name) {
		errs = append(errs, removeTree(dir, deadline))
	}
	return errors.Join(errs...)
}

// removeTree removes dir's child cgroups depth first, then dir.
func removeTree(dir string, deadline time.Time) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("removing cgroup %s: %w", dir, err)
	}
	for _, e := range entries {
		if e.IsDir() {
			if err := removeTree(filepath.Join(dir, e.Name()), deadline); err != nil {
				return err
			}
		}
	}
	for wait := time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		err := syscall.Rmdir(dir)
		if err == nil {
			trace.Action("cgroup rmdir", trace.Str("path", dir))
			trace.Shell("rmdir " + dir)
			return nil
		}
		if errors.Is(err, syscall.ENOENT) {
			return nil
		}
		if !errors.Is(err, syscall.EBUSY) || time.Now().After(deadline) {
			procs, _ := readProcs(dir)
			return fmt.Errorf("removing cgroup %s (processes still inside: %v): %w", dir, procs, err)
		}
		time.Sleep(wait)
	}
}
