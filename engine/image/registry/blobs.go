package registry

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	ggcr "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/vitro-dev/vitro/internal/fsutil"
)

// diskBlobs stores blobs as files named by digest. Uploads go to a
// temporary file, are hashed, synced and renamed into place, so a blob
// file is always whole and always matches its name; Stat can then trust
// the file size.
type diskBlobs struct{ dir string }

var (
	_ ggcr.BlobHandler       = diskBlobs{}
	_ ggcr.BlobStatHandler   = diskBlobs{}
	_ ggcr.BlobPutHandler    = diskBlobs{}
	_ ggcr.BlobDeleteHandler = diskBlobs{}
)

func (b diskBlobs) path(h v1.Hash) (string, error) {
	if h.Algorithm != "sha256" || len(h.Hex) != 64 {
		return "", fmt.Errorf("digest %s: only sha256 is stored", h)
	}
	return filepath.Join(b.dir, "sha256", h.Hex), nil
}

func (b diskBlobs) Stat(_ context.Context, _ string, h v1.Hash) (int64, error) {
	p, err := b.path(h)
	if err != nil {
		return 0, ggcr.ErrNotFound
	}
	fi, err := os.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return 0, ggcr.ErrNotFound
	}
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

func (b diskBlobs) Get(_ context.Context, _ string, h v1.Hash) (io.ReadCloser, error) {
	p, err := b.path(h)
	if err != nil {
		return nil, ggcr.ErrNotFound
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ggcr.ErrNotFound
	}
	return f, err
}

func (b diskBlobs) Put(_ context.Context, _ string, h v1.Hash, rc io.ReadCloser) error {
	defer rc.Close()
	p, err := b.path(h)
	if err != nil {
		return err
	}
	return fsutil.WriteAtomic(p, 0o600, func(w io.Writer) error {
		sum := sha256.New()
		if _, err := io.Copy(io.MultiWriter(w, sum), rc); err != nil {
			return err
		}
		if got := fmt.Sprintf("%x", sum.Sum(nil)); got != h.Hex {
			return fmt.Errorf("blob upload: digest is sha256:%s, not %s", got, h)
		}
		return nil
	}, fsutil.TempDir(filepath.Join(b.dir, "tmp")))
}

func (b diskBlobs) Delete(_ context.Context, _ string, h v1.Hash) error {
	p, err := b.path(h)
	if err != nil {
		return ggcr.ErrNotFound
	}
	if err := os.Remove(p); errors.Is(err, os.ErrNotExist) {
		return ggcr.ErrNotFound
	} else {
		return err
	}
}
