package image

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/vitro-dev/vitro/engine/image/layer"
	"github.com/vitro-dev/vitro/internal/fsutil"
	"github.com/vitro-dev/vitro/internal/trace"
	"golang.org/x/sys/unix"
)

// layerMeta is layers/sha256/<hex>/layer.json.
type layerMeta struct {
	DiffID   string    `json:"diffID"`
	Digest   string    `json:"digest"` // the blob it was unpacked from
	Size     int64     `json:"size"`   // bytes of file data
	Files    int       `json:"files"`
	Unpacked time.Time `json:"unpacked"`
}

// layerPath is layers/sha256/<hex> for a diffID.
func (s *Store) layerPath(diffID string) (string, error) {
	hex, err := parseDigest(diffID)
	if err != nil {
		return "", fmt.Errorf("diffID: %w", err)
	}
	return filepath.Join(s.layers, "sha256", hex), nil
}

// LayerDir is the unpacked layer for diffID: the directory an overlay
// mount takes as a lowerdir.
func (s *Store) LayerDir(diffID string) (string, error) {
	p, err := s.layerPath(diffID)
	return filepath.Join(p, "diff"), err
}

func (s *Store) hasLayer(diffID string) bool {
	p, err := s.layerPath(diffID)
	return err == nil && exists(filepath.Join(p, "layer.json"))
}

func (s *Store) readLayerMeta(diffID string) (layerMeta, error) {
	var m layerMeta
	p, err := s.layerPath(diffID)
	if err != nil {
		return m, err
	}
	b, err := os.ReadFile(filepath.Join(p, "layer.json"))
	if err != nil {
		return m, err
	}
	return m, json.Unmarshal(b, &m)
}

// fetchLayer makes sure the layer's blob and its unpacked directory are in
// the store. A missing blob is read from l once, written to the blob store
// and unpacked in the same pass.
func (s *Store) fetchLayer(ctx context.Context, l v1.Layer, want layer.Digests, size int64, count func(int64)) (cached bool, err error) {
	blobP, err := s.blobPath(want.Digest)
	if err != nil {
		return false, err
	}
	haveBlob, haveDir := exists(blobP), s.hasLayer(want.DiffID)
	if haveBlob && haveDir {
		return true, nil
	}
	var src io.ReadCloser
	if haveBlob {
		src, err = os.Open(blobP)
		size = -1 // already checked when it was written
	} else {
		src, err = l.Compressed()
	}
	if err != nil {
		return false, fmt.Errorf("reading layer %s: %w", want.Digest, err)
	}
	defer src.Close()
	cr := &countingReader{r: src, fn: count}
	if haveDir {
		return false, s.writeBlob(cr, want.Digest, size)
	}
	if haveBlob {
		return false, s.unpackLayer(ctx, cr, want)
	}
	return false, s.commitTemp(blobP, func(w io.Writer) error {
		if err := s.unpackLayer(ctx, io.TeeReader(cr, w), want); err != nil {
			return err
		}
		if size >= 0 && cr.n != size {
			return fmt.Errorf("%w: %s: the manifest says %d bytes, got %d", ErrBlobMismatch, want.Digest, size, cr.n)
		}
		return nil
	})
}

// unpackLayer unpacks a layer blob into layers/tmp, checks its digests,
// syncs the filesystem and renames the result to layers/sha256/<hex>. If
// another pull got there first, its copy is kept and this one dropped.
func (s *Store) unpackLayer(ctx context.Context, r io.Reader, want layer.Digests) error {
	dst, err := s.layerPath(want.DiffID)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Join(s.layers, "tmp"), ShortID(want.DiffID)+"-")
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(tmp)
		}
	}()
	diff := filepath.Join(tmp, "diff")
	if err := os.Mkdir(diff, 0o755); err != nil {
		return err
	}
	start := time.Now()
	if trace.Enabled(trace.Steps) {
		trace.Shellf("tar -xzpf <blob %s> -C %s --xattrs  # then: .wh.* → mknod c 0 0, .wh..wh..opq → setfattr trusted.overlay.opaque=y", ShortID(want.Digest), dst+"/diff")
	}
	res, _, err := layer.Apply(ctx, r, want, diff, layer.Options{MaxSize: s.maxLayer})
	if err != nil {
		return fmt.Errorf("unpacking layer %s: %w", want.Digest, err)
	}
	trace.Action("unpack layer", trace.Str("diffID", want.DiffID), trace.Str("dir", dst),
		trace.Int("files", int64(res.Files)), trace.Int("dirs", int64(res.Dirs)), trace.Int("whiteouts", int64(res.Whiteouts)),
		trace.Int("opaque", int64(res.Opaques)), trace.Int("bytes", res.Bytes), trace.Int("bytes on disk", res.Written), trace.Dur("took", time.Since(start)))
	meta, _ := json.Marshal(layerMeta{DiffID: want.DiffID, Digest: want.Digest, Size: res.Bytes,
		Files: res.Files + res.Dirs + res.Symlinks + res.Hardlinks, Unpacked: time.Now().UTC()})
	if err := os.WriteFile(filepath.Join(tmp, "layer.json"), meta, 0o600); err != nil {
		return err
	}
	if err := syncfs(tmp); err != nil {
		return err
	}
	// Shell equivalent: mv layers/tmp/<x> layers/sha256/<hex>
	if err := os.Rename(tmp, dst); err != nil {
		if errors.Is(err, unix.EEXIST) || errors.Is(err, unix.ENOTEMPTY) {
			return nil // another pull unpacked it first; the deferred RemoveAll drops ours
		}
		return err
	}
	done = true
	return fsutil.SyncDir(filepath.Dir(dst))
}

// syncfs flushes the filesystem holding dir, once per layer rather than
// an fsync per file.
func syncfs(dir string) error {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(fd)
	trace.KernelEvent("syncfs", trace.Str("dir", dir))
	if err := unix.Syncfs(fd); err != nil {
		return &os.PathError{Op: "syncfs", Path: dir, Err: err}
	}
	return nil
}

type countingReader struct {
	r  io.Reader
	n  int64
	fn func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.fn != nil && n > 0 {
		c.fn(c.n)
	}
	return n, err
}

// LayerSize is the unpacked size of a layer's files, 0 when unknown.
func (s *Store) LayerSize(diffID string) int64 {
	m, err := s.readLayerMeta(diffID)
	if err != nil {
		return 0
	}
	return m.Size
}
