package fsdemo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/trace"
	"github.com/vitro-dev/vitro/nsdemo"
	"golang.org/x/sys/unix"
)

// Every demo does its mount work in a child started with CLONE_NEWNS, so
// the host's mount table is never touched: when the child exits, its
// namespace and every mount in it go away, also when it is killed.
//
//	parent (vitro fs ...)                       child (new mount namespace)
//	─────────────────────                       ───────────────────────────
//	mkdir temp dir, build rootfs
//	clone(CLONE_NEWNS|...) ───────────────────▶ Init() runs the entry point
//	Send("go", input) ────────────────────────▶ mount --make-rprivate /   (first!)
//	                                            mounts, pivot_root, checks ...
//	(optional, per step)  ◀──────────────────── Send("step", n)
//	(trace events, recorded by reexec) ◀──────── Send("trace", event)
//	read /proc/PID/mountinfo; Send("go") ─────▶ next step
//	Receive() ◀──────────────────────────────── Send("ready", result) or "error"
//	wait; remove the temp dir                   exit: namespace and mounts freed
//
// On Ctrl-C the context is cancelled: the parent kills the child (whose
// mounts die with its namespace) and still removes the temp dir.

// childFunc does a demo's work inside the child and returns its result.
type childFunc func(p *reexec.Pipe, input json.RawMessage) (any, error)

func registerChild(name string, fn childFunc) {
	reexec.Register(name, func() { serveChild(fn) })
}

func serveChild(fn childFunc) {
	p, err := reexec.Child()
	if err != nil {
		fmt.Fprintln(os.Stderr, "vitro:", err)
		os.Exit(125)
	}
	m, err := p.Receive()
	if err != nil || m.Type != reexec.MsgGo {
		os.Exit(125)
	}
	// Before any mount: a namespace copied from a host whose / is shared
	// (systemd's default) would send every mount back to the host.
	err = mountSyscall("propagation", "", "/", "", unix.MS_REC|unix.MS_PRIVATE, "")
	var out any
	if err == nil {
		out, err = fn(p, m.Data)
	}
	if err != nil {
		p.SendError(err)
		os.Exit(1)
	}
	if err := p.Send(reexec.MsgReady, out); err != nil {
		os.Exit(1)
	}
}

// waitStep is called by a child between steps: it tells the parent step
// n is done and waits for "go".
func waitStep(p *reexec.Pipe, n int) error {
	if err := p.Send("step", n); err != nil {
		return err
	}
	return p.Expect(reexec.MsgGo, nil)
}

// runChild starts entry in new namespaces (cloneflags, always with
// CLONE_NEWNS), sends it input, calls onStep for each "step" message
// (then lets the child go on), and decodes its result into out.
func runChild(ctx context.Context, entry string, cloneflags uintptr, input, out any, onStep func(pid, step int) error) error {
	flags := cloneflags | unix.CLONE_NEWNS
	c, err := reexec.Launch(ctx, reexec.Spec{Entry: entry, CloneFlags: flags, Stdout: os.Stderr, Stderr: os.Stderr})
	if err != nil {
		if ctx.Err() != nil {
			return interrupted(ctx)
		}
		return fmt.Errorf("starting the demo's child %s with clone(%s): %w", entry, nsdemo.CloneFlagNames(flags), err)
	}
	defer c.Close()
	err = talk(c.Sync, c.Pid, input, out, onStep)
	if err != nil {
		c.Kill()
	}
	werr := c.Wait()
	switch {
	case ctx.Err() != nil:
		return interrupted(ctx)
	case errors.Is(err, reexec.ErrClosed):
		return fmt.Errorf("the demo's child exited before reporting: %v", werr)
	}
	return err
}

func interrupted(ctx context.Context) error {
	return fmt.Errorf("interrupted (%w): the child was killed, its mounts went with its namespace, and the demo's files are removed", ctx.Err())
}

func talk(p *reexec.Pipe, pid int, input, out any, onStep func(pid, step int) error) error {
	if err := p.Send(reexec.MsgGo, input); err != nil {
		return err
	}
	for {
		m, err := p.Receive()
		if err != nil {
			return err
		}
		switch m.Type { // the child's trace events were recorded by Receive
		case reexec.MsgReady:
			if out == nil || len(m.Data) == 0 {
				return nil
			}
			return json.Unmarshal(m.Data, out)
		case "step":
			var n int
			json.Unmarshal(m.Data, &n)
			if onStep != nil {
				if err := onStep(pid, n); err != nil {
					return err
				}
			}
			if err := p.Send(reexec.MsgGo, nil); err != nil {
				return err
			}
		default:
			return fmt.Errorf("demo child: unexpected message %q", m.Type)
		}
	}
}

// demoDir makes the temp directory a demo works in and returns it with
// the function that removes it. Only the parent calls it: the child's
// mounts are gone by the time the parent removes the directory.
func demoDir(name string) (string, func(), error) {
	dir, err := os.MkdirTemp("", "vitro-fs-"+name+"-")
	if err != nil {
		return "", nil, fmt.Errorf("making a temp dir for the demo: %w", err)
	}
	trace.Action("mkdir", trace.Str("dir", dir))
	return dir, func() {
		trace.Action("remove", trace.Str("dir", dir))
		os.RemoveAll(dir)
	}, nil
}

// demoRootfs is demoDir with a busybox root filesystem built in it, at
// dir/rootfs: what most demos start from.
func demoRootfs(name string) (dir, rootfs string, cleanup func(), err error) {
	dir, cleanup, err = demoDir(name)
	if err != nil {
		return "", "", nil, err
	}
	rootfs = filepath.Join(dir, "rootfs")
	if err := BuildRootfs(rootfs); err != nil {
		cleanup()
		return "", "", nil, err
	}
	return dir, rootfs, cleanup, nil
}

func decode(in json.RawMessage, v any) error {
	if err := json.Unmarshal(in, v); err != nil {
		return fmt.Errorf("demo child: bad input: %w", err)
	}
	return nil
}
