package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/vitro-dev/vitro/engine/image"
	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/trace"
	"github.com/vitro-dev/vitro/netdemo"
)

// The six steps of `vitro run`, in order.
var steps = [...]string{"image", "create", "rootfs", "network", "address", "exec"}

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
	for i, step := range []func(context.Context) error{
		r.image,   // 1. find the image locally or pull it
		r.create,  // 2. the container record, its cgroup, init in new namespaces
		r.rootfs,  // 3. read-write layer over the image's read-only layers; pivot_root
		r.network, // 4. a veth pair from the host bridge into the container
		r.address, // 5. an address from the pool, and the default route
		r.exec,    // 6. exec the program; when it ends, the container stops
	} {
		if err := r.pause(ctx, i+1); err != nil {
			return r.fail(i+1, err)
		}
		span := stepSpan(i + 1)
		err := step(ctx)
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
	init     *exec.Cmd
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
	return &StepError{Step: step, Name: steps[step-1], Err: err}
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

// pause stops before step n when --pause-at names it, says what to look
// at from another terminal, and waits for Enter.
func (r *run) pause(ctx context.Context, n int) error {
	if r.o.PauseAt == "" || !pauseMatches(r.o.PauseAt, n) {
		return nil
	}
	w := r.stdio.Err
	fmt.Fprintf(w, "\n⏸  paused before step %d/%d (%s).\n", n, len(steps), steps[n-1])
	if r.init != nil && r.init.Process != nil {
		pid := r.init.Process.Pid
		fmt.Fprintf(w, "   The container's init is host PID %d. From another terminal, try:\n", pid)
		fmt.Fprintf(w, "     ls -l /proc/%d/ns            # its namespaces vs: ls -l /proc/self/ns\n", pid)
		fmt.Fprintf(w, "     cat /proc/%d/cgroup          # the cgroup it was put in\n", pid)
		fmt.Fprintf(w, "     nsenter -t %d -m cat /proc/self/mountinfo   # its mount table\n", pid)
		fmt.Fprintf(w, "     nsenter -t %d -n ip addr     # its network\n", pid)
	} else {
		fmt.Fprintf(w, "   Nothing has been created yet. Watch: vitro images; ls %s\n", r.e.Config.DataRoot)
	}
	fmt.Fprintf(w, "   Press Enter to continue. ")
	done := make(chan error, 1)
	go func() {
		var b [1]byte
		for {
			n, err := r.stdio.In.Read(b[:])
			if err != nil {
				done <- fmt.Errorf("--pause-at: reading Enter from stdin: %w", err)
				return
			}
			if n == 1 && b[0] == '\n' {
				done <- nil
				return
			}
		}
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func stepSpan(n int) trace.Span { return trace.Step(n, len(steps), steps[n-1]) }

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
	return s == fmt.Sprint(n) || s == steps[n-1]
}

func since(t time.Time) trace.Field { return trace.Dur("elapsed", time.Since(t)) }
