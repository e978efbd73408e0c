package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/vitro-dev/vitro/engine/image"
	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/trace"
	"github.com/vitro-dev/vitro/netdemo"
)

// step is one of the six steps of `vitro run`: its name and the function
// that does it.
type step struct {
	name string
	do   func(*run, context.Context) error
}

// steps are the six steps of `vitro run`, in order. (They are set in init
// because the steps' own error paths look their names up here, which a
// package-level initializer would count as a cycle.)
var steps [6]step

func init() {
	steps = [...]step{
		{"image", (*run).image},     // 1. find the image locally or pull it
		{"create", (*run).create},   // 2. the container record, its cgroup, init in new namespaces
		{"rootfs", (*run).rootfs},   // 3. read-write layer over the image's read-only layers; pivot_root
		{"network", (*run).network}, // 4. a veth pair from the host bridge into the container
		{"address", (*run).address}, // 5. an address from the pool, and the default route
		{"exec", (*run).exec},       // 6. exec the program; when it ends, the container stops
	}
}

// PausePoint is what the engine tells RunOptions.Pause when --pause-at
// stops a run: the step it stopped before and what exists so far.
type PausePoint struct {
	Step, Of int    // 3 of 6
	Name     string // "rootfs"
	InitPID  int    // host PID of the container's init; 0 before step 2 started it
	DataRoot string // where the engine keeps images and containers
}

// Stdio are the container's standard streams.
type Stdio struct {
	In       io.Reader
	Out, Err io.Writer
}

// Run is `vitro run`: it finds the image, creates and starts the
// container, mounts its root, connects and addresses it, and execs the
// program; it returns when the program ends, with its exit status as an
// *ExitStatus error (nil for 0). Each step is the function of its name
// below; a failure at any step undoes every earlier one.
func (e *Engine) Run(ctx context.Context, o RunOptions, stdio Stdio) error {
	// Containers whose `vitro run` was killed are cleaned first: their
	// addresses and ports go back to the pool before this one asks.
	e.List()
	r := &run{e: e, o: o, stdio: stdio, owner: selfOwner()}
	return r.steps(ctx)
}

// steps runs the six steps in order; for `vitro start`, r.c is the
// container made by `vitro create`, and step 2 skips making its record.
func (r *run) steps(ctx context.Context) error {
	defer r.undoOnFailure()
	for i, s := range steps {
		if err := r.pause(ctx, i+1); err != nil {
			return r.fail(i+1, err)
		}
		span := stepSpan(i + 1)
		err := s.do(r, ctx)
		span.End()
		if err != nil {
			return r.fail(i+1, err)
		}
	}
	return r.wait(ctx)
}

// run is one `vitro run` in progress: what each step made, so that the
// next can use it and a failure can undo it.
type run struct {
	e     *Engine
	o     RunOptions
	stdio Stdio

	owner    *Owner // the process answerable for what the run makes; nil for `vitro create`
	store    *image.Store
	img      *imageInfo
	c        *Container
	cgroup   cgroupHandle
	init     *reexec.Process
	sync     *reexec.Pipe
	tty      *console
	netns    *netdemo.NS
	endpoint *netdemo.Endpoint

	undo   []undoStep // in the order made; undone in reverse
	failed bool
}

type undoStep struct {
	what    string
	fn      func() error
	runtime bool // released when the container stops, not only on failure
}

// onFailure registers fn to undo something a step made that outlives the
// container's run: its record and directories.
func (r *run) onFailure(what string, fn func() error) {
	r.undo = append(r.undo, undoStep{what, fn, false})
}

// onStop registers fn to release something only a running container
// needs (process, cgroup, links, address, ports): undone when a step
// fails, and when the program ends.
func (r *run) onStop(what string, fn func() error) {
	r.undo = append(r.undo, undoStep{what, fn, true})
}

func (r *run) fail(step int, err error) error {
	r.failed = true
	var se *StepError
	if errors.As(err, &se) {
		return err
	}
	return &StepError{Step: step, Name: steps[step-1].name, Err: err}
}

// undoOnFailure removes, newest first, whatever the steps made, when a
// step failed: nothing half-made stays behind.
func (r *run) undoOnFailure() {
	if !r.failed {
		return
	}
	r.undoAll()
}

func (r *run) undoAll() {
	for i := len(r.undo) - 1; i >= 0; i-- {
		u := r.undo[i]
		if err := u.fn(); err != nil {
			fmt.Fprintf(os.Stderr, "vitro: cleanup: %s: %v\n", u.what, err)
			continue
		}
		trace.Action("removed", trace.Str("what", u.what))
	}
	r.undo = nil
}

// pause stops before step n when --pause-at names it: it calls the
// caller's Pause hook (the CLI's says what to look at and waits for
// Enter) and goes on when the hook returns nil.
func (r *run) pause(ctx context.Context, n int) error {
	if r.o.PauseAt == "" || !pauseMatches(r.o.PauseAt, n) {
		return nil
	}
	if r.e.Pause == nil {
		return fmt.Errorf("--pause-at %q: this caller cannot pause (no Engine.Pause hook): run without --pause-at", r.o.PauseAt)
	}
	p := PausePoint{Step: n, Of: len(steps), Name: steps[n-1].name, DataRoot: r.e.Config.DataRoot}
	if r.init != nil {
		p.InitPID = r.init.Pid
	}
	trace.Action("paused", trace.Int("before step", int64(n)), trace.Str("name", p.Name))
	return r.e.Pause(ctx, p)
}

func stepSpan(n int) trace.Span { return trace.Step(n, len(steps), steps[n-1].name) }

// ParsePauseAt checks a --pause-at value: a step number 1–6 or a name.
func ParsePauseAt(s string) error {
	if s == "" {
		return nil
	}
	for i := range steps {
		if pauseMatches(s, i+1) {
			return nil
		}
	}
	return fmt.Errorf("--pause-at %q: want a step number 1–6 or one of image, create, rootfs, network, address, exec", s)
}

func pauseMatches(s string, n int) bool {
	return s == fmt.Sprint(n) || s == steps[n-1].name
}
