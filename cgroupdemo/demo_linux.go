package cgroupdemo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"strconv"
	"syscall"

	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/trace"
)

// Options are what every demo shares.
type Options struct {
	// Root is where cgroup filesystems are mounted. The default value is
	// /sys/fs/cgroup.
	Root string
	// Parent is the cgroup under which the demo makes its throwaway
	// cgroup. The default value is "vitro"; tests use
	// vitro/test-cgroupdemo-<pid>.
	Parent string
	// Progress, when set, receives a line for people as the demo goes.
	Progress func(line string)
}

func (o Options) progress(format string, args ...any) {
	if o.Progress != nil {
		o.Progress(fmt.Sprintf(format, args...))
	}
}

// Common is the part of every demo's result that says where it ran.
type Common struct {
	Mode   string   `json:"mode"`   // v1, hybrid or v2
	Cgroup string   `json:"cgroup"` // the throwaway cgroup, relative to the mounts
	Dirs   []string `json:"dirs"`   // its directories
	// Writes are the shell equivalents of every write the demo made,
	// in order: what a person would type to do the same.
	Writes []string `json:"writes"`
}

func (c *Common) record(cg *Cgroup) {
	c.Writes = nil
	for _, a := range cg.Log() {
		c.Writes = append(c.Writes, a.Shell())
	}
}

// newDemo detects the layout and makes the demo's cgroup,
// <parent>/<demo>-<pid>, with limits r. The returned cleanup kills what
// is left inside and removes the cgroup; call it even on error paths.
func (o Options) newDemo(demo string, r Resources) (*Cgroup, *Common, error) {
	root, parent := o.Root, o.Parent
	if root == "" {
		root = DefaultRoot
	}
	if parent == "" {
		parent = Parent
	}
	d, err := Detect(root)
	if err != nil {
		return nil, nil, err
	}
	name := path.Join(parent, demo+"-"+strconv.Itoa(os.Getpid()))
	cg, err := Create(d, name)
	if err != nil {
		return nil, nil, err
	}
	if err := cg.Set(r); err != nil {
		cg.Remove()
		return nil, nil, err
	}
	com := &Common{Mode: d.Mode().String(), Cgroup: name, Dirs: cg.Dirs()}
	com.record(cg)
	return cg, com, nil
}

// startChild starts entry point entry, a re-executed vitro process, joins
// it to cg before it runs a single instruction of its demo (it waits on
// the sync socket for "go"), and tells it to go. extra files become fds
// 3, 4, ... in the child, before the sync socket. Close the child when
// done: that kills it if it still runs and reaps it.
func startChild(ctx context.Context, cg *Cgroup, entry string, extra []*os.File, args ...string) (*reexec.Process, error) {
	c, err := reexec.Launch(ctx, reexec.Spec{Entry: entry, Args: args, ExtraFiles: extra, Stderr: os.Stderr})
	if err != nil {
		return nil, fmt.Errorf("starting the demo child: %w", err)
	}
	trace.Action("start child", trace.Str("entry", entry), trace.Int("pid", int64(c.Pid)))
	if err := cg.Join(c.Pid); err != nil {
		c.Close()
		return nil, err
	}
	if err := c.Sync.Send(reexec.MsgGo, nil); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// killOnCancel kills everything in cg when ctx is cancelled (Ctrl-C), so
// that a demo blocked on its child returns. Call the result to stop.
func killOnCancel(ctx context.Context, cg *Cgroup) (stop func()) {
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			cg.Kill()
		case <-done:
		}
	}()
	return func() { close(done) }
}

// childExit describes how a child ended: "exit status 0", "killed by
// SIGKILL".
func childExit(ps *os.ProcessState) (signaled bool, sig string, code int) {
	if ps == nil {
		return false, "", -1
	}
	ws, ok := ps.Sys().(syscall.WaitStatus)
	if ok && ws.Signaled() {
		return true, unixSignalName(ws.Signal()), -1
	}
	return false, "", ps.ExitCode()
}

// cleanup kills and removes cg, joining the error into *err.
func cleanup(cg *Cgroup, err *error) {
	if cerr := cg.KillAndRemove(); cerr != nil {
		*err = errors.Join(*err, fmt.Errorf("cleaning up: %w", cerr))
	}
}

// steps numbers a demo's phases for --trace: "[2/5] start child".
type steps struct {
	n, total int
	cur      trace.Span
}

func newSteps(total int) *steps { return &steps{total: total} }

// next ends the current step and begins the next.
func (s *steps) next(name string) {
	s.cur.End()
	s.n++
	s.cur = trace.Step(s.n, s.total, name)
}

func (s *steps) end() { s.cur.End() }

// cleanup is the last step of every demo.
func (s *steps) cleanup(cg *Cgroup, err *error) {
	s.next("clean up")
	cleanup(cg, err)
	s.end()
}
