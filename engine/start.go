package engine

import (
	"context"
	"fmt"
)

// Create is `vitro create`: step 1 (the image) and the record part of
// step 2. The container exists, with status created, its image pinned and
// its read-write layer's directories made; no process runs and no kernel
// object is made until Start.
func (e *Engine) Create(ctx context.Context, o RunOptions, stdio Stdio) (*Container, error) {
	r := &run{e: e, o: o, stdio: stdio}
	defer r.undoOnFailure()
	span := stepSpan(1)
	err := r.image(ctx)
	span.End()
	if err != nil {
		return nil, r.fail(1, err)
	}
	if err := r.record(ctx); err != nil {
		return nil, r.fail(2, err)
	}
	if _, err := r.rootfsDirs(); err != nil {
		return nil, r.fail(3, err)
	}
	return r.c, nil
}

// Start is `vitro start`: the remaining steps for a created (or exited)
// container, with its own options; attach and interactive are docker's
// start -a and -i. Like Run, it returns when the program ends.
func (e *Engine) Start(ctx context.Context, ref string, attach, interactive bool, stdio Stdio) error {
	c, err := e.Get(ref)
	if err != nil {
		return err
	}
	if c.State.Status == StatusRunning || c.State.Status == StatusPaused {
		return fmt.Errorf("container %s is already running (PID %d)", c.Name, c.State.Pid)
	}
	o := c.Options
	o.Interactive = interactive
	o.PauseAt = "" // a flag of the `vitro run` that made it, not of start
	if !attach {
		stdio.Out, stdio.Err = discard{}, discard{}
	}
	// This process is the owner from now on, recorded before anything
	// is made (the previous run's network was released: c came from Get).
	owner := selfOwner()
	c.State = State{Status: StatusCreated, Owner: owner}
	c.Network = Network{}
	if err := e.Containers.Save(c); err != nil {
		return err
	}
	r := &run{e: e, o: o, stdio: stdio, c: c, owner: owner}
	return r.steps(ctx)
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
