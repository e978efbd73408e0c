package fsutil

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// tryLock tries to take path's lock while another holds one; the short
// deadline only bounds the wait, nothing is timed.
func tryLock(t *testing.T, path string, shared bool) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	l, err := LockFileContext(ctx, path, shared)
	if err == nil {
		l.Unlock()
	}
	return err
}

func TestLockContextExcludes(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sub", "gc.lock")
	ex, err := LockFile(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, shared := range []bool{false, true} {
		if err := tryLock(t, p, shared); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("lock (shared=%v) while an exclusive one is held: %v, want it refused until the deadline", shared, err)
		}
	}
	ex.Unlock()

	sh, err := LockFileContext(context.Background(), p, true)
	if err != nil {
		t.Fatal(err)
	}
	defer sh.Unlock()
	if err := tryLock(t, p, true); err != nil {
		t.Errorf("a second shared lock: %v, want it granted", err)
	}
	if err := tryLock(t, p, false); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("exclusive lock while a shared one is held: %v, want it refused", err)
	}
}

// LockFile blocks until the holder lets go.
func TestLockFileWaits(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pool.lock")
	first, err := LockFile(p)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *Lock)
	go func() {
		l, err := LockFile(p)
		if err != nil {
			t.Error(err)
		}
		got <- l
	}()
	select {
	case l := <-got:
		l.Unlock()
		t.Fatal("a second LockFile returned while the first lock was held")
	case <-time.After(100 * time.Millisecond):
	}
	first.Unlock()
	(<-got).Unlock()
}
