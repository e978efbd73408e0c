package fsutil

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// Lock is a flock(2) on a file, exclusive or shared. The kernel releases
// it with Unlock or when the process dies, so a crash never leaves it
// held. flock locks belong to the open file, so two opens of the same
// path exclude each other within one process as well as between
// processes.
type Lock struct{ f *flock.Flock }

// LockFile takes an exclusive lock on path, creating it (and its
// directory) if needed, and blocks until the lock is free.
//
// Shell equivalent: flock PATH CMD
func LockFile(path string) (*Lock, error) {
	f, err := newFlock(path)
	if err != nil {
		return nil, err
	}
	if err := f.Lock(); err != nil {
		return nil, fmt.Errorf("flock %s: %w", path, err)
	}
	return &Lock{f: f}, nil
}

// LockFileContext takes a lock on path, shared (readers) or exclusive,
// creating the file if needed, and waits for it until ctx ends.
//
// Shell equivalent: flock [--shared] PATH CMD
func LockFileContext(ctx context.Context, path string, shared bool) (*Lock, error) {
	f, err := newFlock(path)
	if err != nil {
		return nil, err
	}
	try := f.TryLockContext
	if shared {
		try = f.TryRLockContext
	}
	ok, err := try(ctx, 20*time.Millisecond)
	if err == nil && !ok {
		err = ctx.Err()
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("flock %s: %w", path, err)
	}
	return &Lock{f: f}, nil
}

func newFlock(path string) (*flock.Flock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	return flock.New(path, flock.SetPermissions(0o644)), nil
}

// Path is the locked file's name.
func (l *Lock) Path() string { return l.f.Path() }

// Unlock releases the lock. Unlocking twice, or a nil Lock, is harmless.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Unlock()
	l.f = nil
	return err
}
