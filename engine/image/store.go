package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/vitro-dev/vitro/internal/fsutil"
	"github.com/vitro-dev/vitro/internal/trace"
)

// Store is the image store under one data root. Its methods are safe for
// concurrent use, also from several processes.
type Store struct {
	root   string // <data-root>
	dir    string // <data-root>/images
	layers string // <data-root>/layers
	// maxLayer bounds what one layer may unpack (layer.Options.MaxSize).
	maxLayer int64
}

// Option configures a Store.
type Option func(*Store)

// WithMaxLayerSize bounds what one layer may unpack: its uncompressed tar
// and its files' apparent sizes (layer.Options.MaxSize). The default is
// layer.DefaultMaxSize, 8 GiB; config.json's max-layer-size sets it.
func WithMaxLayerSize(n int64) Option { return func(s *Store) { s.maxLayer = n } }

// Open opens (creating when needed) the store under dataRoot.
func Open(dataRoot string, opts ...Option) (*Store, error) {
	s := &Store{root: dataRoot, dir: filepath.Join(dataRoot, "images"), layers: filepath.Join(dataRoot, "layers")}
	for _, o := range opts {
		o(s)
	}
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
		if err := s.writeFileAtomic(layout, []byte(`{"imageLayoutVersion":"1.0.0"}`+"\n")); err != nil {
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
	l, err := fsutil.LockFileContext(ctx, filepath.Join(s.dir, name), shared)
	if err != nil {
		return nil, fmt.Errorf("locking the image store: %w", err)
	}
	trace.KernelEvent("flock", trace.Str("path", l.Path()), trace.Bool("shared", shared))
	return func() { l.Unlock() }, nil
}

// writeFileAtomic writes data to path through a temporary file in the
// store's tmp/: write, fsync, rename, fsync the directory.
func (s *Store) writeFileAtomic(path string, data []byte) error {
	return fsutil.WriteFileAtomic(path, data, 0o600, fsutil.TempDir(s.tmpDir()))
}

// commitTemp fills a temporary file in tmp/ with write, syncs it and
// renames it to path; on any error the temporary file is removed.
func (s *Store) commitTemp(path string, write func(io.Writer) error) error {
	return fsutil.WriteAtomic(path, 0o600, write, fsutil.TempDir(s.tmpDir()))
}
