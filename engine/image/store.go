package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
	"github.com/vitro-dev/vitro/internal/trace"
	"golang.org/x/sys/unix"
)

// Store is the image store under one data root. Its methods are safe for
// concurrent use, also from several processes.
type Store struct {
	root   string // <data-root>
	dir    string // <data-root>/images
	layers string // <data-root>/layers
}

// Open opens (creating when needed) the store under dataRoot.
func Open(dataRoot string) (*Store, error) {
	s := &Store{root: dataRoot, dir: filepath.Join(dataRoot, "images"), layers: filepath.Join(dataRoot, "layers")}
	for _, d := range []string{
		filepath.Join(s.dir, "blobs", "sha256"), filepath.Join(s.dir, "tmp"), filepath.Join(s.dir, "uses"),
		filepath.Join(s.layers, "sha256"), filepath.Join(s.layers, "tmp"),
	} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("opening image store: %w", err)
		}
	}
	layout := filepath.Join(s.dir, "oci-layout")
	if _, err := os.Stat(layout); errors.Is(err, os.ErrNotExist) {
		if err := writeFileAtomic(s.tmpDir(), layout, []byte(`{"imageLayoutVersion":"1.0.0"}`+"\n")); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Dir is the OCI layout directory (<data-root>/images).
func (s *Store) Dir() string { return s.dir }

// LayersDir is where layers are unpacked (<data-root>/layers).
func (s *Store) LayersDir() string { return s.layers }

func (s *Store) tmpDir() string { return filepath.Join(s.dir, "tmp") }

func (s *Store) blobPath(digest string) (string, error) {
	h, err := parseDigest(digest)
	if err != nil {
		return "", err
	}
	return filepath.Join(s.dir, "blobs", "sha256", h), nil
}

// locks: index.lock guards index.json's read-modify-write; gc.lock is held
// shared by every writer of blobs and layers and exclusively by GC.
func (s *Store) lock(ctx context.Context, name string, shared bool) (func(), error) {
	l := flock.New(filepath.Join(s.dir, name))
	try := l.TryLockContext
	if shared {
		try = l.TryRLockContext
	}
	ok, err := try(ctx, 20*time.Millisecond)
	if err != nil || !ok {
		return nil, fmt.Errorf("locking %s: %w", l.Path(), err)
	}
	trace.KernelEvent("flock", trace.Str("path", l.Path()), trace.Bool("shared", shared))
	return func() { l.Unlock() }, nil
}

// writeFileAtomic writes data to path through a temporary file in tmp:
// write, fsync, rename, fsync the directory.
func writeFileAtomic(tmp, path string, data []byte) error {
	f, err := os.CreateTemp(tmp, filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	return commitTemp(f, path, func(w io.Writer) error { _, err := w.Write(data); return err })
}

// commitTemp fills f with write, syncs it and renames it to path; on any
// error f is removed.
func commitTemp(f *os.File, path string, write func(io.Writer) error) error {
	if err := write(f); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err // the writer's own error says what was wrong
	}
	err := f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(fd)
	if err := unix.Fsync(fd); err != nil {
		return &os.PathError{Op: "fsync", Path: dir, Err: err}
	}
	return nil
}
