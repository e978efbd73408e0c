package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/vitro-dev/vitro/internal/fsutil"
	"github.com/vitro-dev/vitro/internal/trace"
	"github.com/vitro-dev/vitro/netdemo"
	"golang.org/x/sys/unix"
)

// State that outlives a crash.
//
// Whatever a container holds on the host is written down BEFORE it is
// made, where the next vitro will look:
//
//	its record (containers/<id>)   before the cgroup, init, the veth (all named after its ID)
//	the bridge's pool (run root)   before an address is configured or a port's rules are added
//
// and the record names its owner, the process answerable for those
// things (State.Owner: the `vitro run` or `vitro start` that makes them;
// later a monitor). Any vitro that reads a record whose owner is dead
// (`ps`, `rm`, `start`, the next `run`) reconciles it: it releases what
// the container held, then removes it (--rm) or marks it exited. Nothing
// waits for `rm -f`, and nothing is leaked when the process that would
// have cleaned up was killed with SIGKILL at any instant.

// selfOwner names the current process as an owner.
func selfOwner() *Owner {
	st, _ := procStartTime(os.Getpid())
	return &Owner{Pid: os.Getpid(), StartTime: st}
}

// Alive reports whether the owner process still runs: its PID exists and
// started when the record says (so a reused PID does not count).
func (o *Owner) Alive() bool {
	st, err := procStartTime(o.Pid)
	return err == nil && st == o.StartTime
}

// procStartTime reads field 22 of /proc/PID/stat: when the process
// started, in clock ticks after boot. The command name (field 2) may
// hold spaces and parentheses, so fields are counted after its last ')'.
func procStartTime(pid int) (uint64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no ')' in %q", pid, s)
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
	if len(f) < 20 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields after the name, want at least 20", pid, len(f))
	}
	// A zombie has not released its record yet, but it will do nothing more.
	if f[0] == "Z" || f[0] == "X" {
		return 0, fmt.Errorf("process %d is a zombie", pid)
	}
	return strconv.ParseUint(f[19], 10, 64)
}

// ownerGone reports whether c has an owner and it is dead.
func ownerGone(c *Container) bool {
	return c.State.Owner != nil && !c.State.Owner.Alive()
}

// reconcile releases what c held if its owner died without doing so,
// and returns the container as it is now: exited, or nil if it was
// removed (--rm). A container whose owner lives is returned as is.
func (e *Engine) reconcile(c *Container) (*Container, error) {
	if !ownerGone(c) {
		if c.State.Owner == nil {
			e.Refresh(c) // a record written before owners were recorded
		}
		return c, nil
	}
	l, err := e.Containers.LockContainer(c.ID)
	if err != nil {
		return c, err
	}
	defer l.Unlock()
	// Another vitro may have reconciled it while we waited for the lock.
	var cur Container
	if err := fsutil.ReadJSON(e.Containers.path(c.ID), &cur); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return c, err
	}
	if !ownerGone(&cur) {
		return &cur, nil
	}
	trace.Action("owner gone", trace.Str("container", cur.Name), trace.Int("owner pid", int64(cur.State.Owner.Pid)),
		trace.Str("status was", string(cur.State.Status)))
	if cur.Config.AutoRemove {
		// As rm: delete first, record after (a full disk must not stop it).
		if err := e.removeCgroup(&cur); err != nil {
			return &cur, err
		}
		if err := unmountStray(&cur); err != nil {
			return &cur, err
		}
		if err := e.Containers.RemoveFiles(cur.ID); err != nil {
			return &cur, err
		}
	}
	if err := e.releaseRuntime(&cur); err != nil {
		return &cur, fmt.Errorf("container %s: releasing what its dead owner (PID %d) left: %w", cur.Name, cur.State.Owner.Pid, err)
	}
	if cur.Config.AutoRemove {
		return nil, e.removeRecord(&cur)
	}
	was := cur.State.Status
	cur.State = State{Status: StatusExited, ExitCode: 137, StartedAt: cur.State.StartedAt, FinishedAt: time.Now().UTC(),
		Error: fmt.Sprintf("the vitro process that ran it (PID %d) ended while it was %s; its init was killed with it, and what it held was released", cur.State.Owner.Pid, was)}
	if was == StatusCreated && cur.State.StartedAt.IsZero() {
		cur.State.Error = fmt.Sprintf("the vitro process that was starting it (PID %d) ended first; what it had made was released", c.State.Owner.Pid)
	}
	cur.Network = Network{Bridge: cur.Network.Bridge, MacAddress: cur.Network.MacAddress}
	cur.Cgroup = ""
	return &cur, e.Containers.Save(&cur)
}

// releaseRuntime frees what a running container held, whether or not
// its `vitro run` did so: the cgroup (after killing what is left in it),
// the host end of its veth if the pair outlived the namespace, its
// published ports' rules and its address (found by owner in the bridge's
// pool, so a crash between a claim and the record's update leaks none).
// Each part is idempotent: a second call, after a crash in the middle of
// the first, finishes the work.
func (e *Engine) releaseRuntime(c *Container) error {
	if err := e.removeCgroup(c); err != nil {
		return err
	}
	if c.Config.NetworkMode == "bridge" || c.Config.NetworkMode == "" {
		if err := netdemo.Disconnect(hostVeth(c.ID)); err != nil {
			return err
		}
	}
	if err := e.releaseNetwork(c); err != nil {
		return err
	}
	return unmountStray(c)
}

// unmountStray detaches the container's root if it is mounted on the
// host. init mounts it in its own mount namespace, which died with it; a
// mount on the host would be a leftover of an older vitro, and removing
// the directory under it would delete the image's files.
func unmountStray(c *Container) error {
	if m := c.Rootfs.Merged; m != "" {
		if err := unix.Unmount(m, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("unmounting %s: %w", m, err)
		}
	}
	return nil
}

// releaseNetwork deletes the rules of the ports c holds, then gives its
// addresses and ports back to the bridge's pool: rules first, records
// after, so that a crash in between leaves the record to find them by.
func (e *Engine) releaseNetwork(c *Container) error {
	// Ports kept in the record by vitro before the pool recorded them.
	for i := range c.Network.Ports {
		if err := netdemo.Unpublish(&c.Network.Ports[i]); err != nil {
			return err
		}
	}
	pool, err := e.pool()
	if err != nil {
		return nil // no valid bip: nothing was ever allocated from it
	}
	if _, err := os.Stat(pool.Path()); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	ports, err := pool.PortsOf(c.ID)
	if err != nil {
		return err
	}
	for i := range ports {
		if err := netdemo.Unpublish(&ports[i]); err != nil {
			return err
		}
	}
	_, err = pool.ReleaseOwner(c.ID)
	return err
}

// hostVeth is the host end of a container's veth pair.
func hostVeth(id string) string { return "veth" + id[:8] }
