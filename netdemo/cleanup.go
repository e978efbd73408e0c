package netdemo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// undo is a stack of cleanups, run last-first: every demo pushes the
// removal of each thing right after making it, and runs the stack in a
// defer, so an error or Ctrl-C (a cancelled context) half-way leaves
// nothing behind.
type undo struct {
	fns     []func() error
	removed []string
}

// push records a cleanup and what it removes, for the demo's report.
func (u *undo) push(what string, fn func() error) {
	u.fns = append(u.fns, func() error {
		if err := fn(); err != nil {
			return err
		}
		u.removed = append(u.removed, what)
		return nil
	})
}

// run runs every cleanup, even after one fails, and joins their errors.
func (u *undo) run() error {
	var errs []error
	for i := len(u.fns) - 1; i >= 0; i-- {
		if err := u.fns[i](); err != nil {
			errs = append(errs, err)
		}
	}
	u.fns = nil
	return errors.Join(errs...)
}

// finish runs the stack for a demo's defer: cleanup errors are joined to
// *err, and an interruption (Ctrl-C cancels the context) says what was
// removed, so the user knows nothing is left.
func (u *undo) finish(err *error) {
	cerr := u.run()
	if errors.Is(*err, context.Canceled) || errors.Is(*err, context.DeadlineExceeded) {
		what := "nothing had been made yet"
		if len(u.removed) > 0 {
			what = "removed " + strings.Join(u.removed, ", ")
		}
		*err = fmt.Errorf("interrupted (%w); %s", *err, what)
	}
	if cerr != nil {
		*err = errors.Join(*err, fmt.Errorf("cleanup: %w", cerr))
	}
}

// Prefix starts the name of every kernel object a demo makes, so a
// leftover is easy to recognise (and the cleanup tests can look for it).
const Prefix = "vd"

// demoSuffix returns 6 random hex characters: names differ between runs,
// so two demos at once (or a demo beside a test) never collide.
func demoSuffix() string {
	var b [3]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Option changes how a demo runs.
type Option func(*options)

type options struct {
	pause func(ctx context.Context, hints []string)
}

func applyOptions(opts []Option) options {
	var o options
	for _, f := range opts {
		f(&o)
	}
	return o
}

// WithPause makes a demo stop once everything is made and measured, and
// call fn with shell commands that inspect its objects from another
// terminal; the demo cleans up when fn returns. Without it (the default)
// a demo cleans up at once.
func WithPause(fn func(ctx context.Context, hints []string)) Option {
	return func(o *options) { o.pause = fn }
}

// pause calls the pause hook, if any.
func (o options) pauseNow(ctx context.Context, hints []string) {
	if o.pause != nil && ctx.Err() == nil {
		o.pause(ctx, hints)
	}
}
