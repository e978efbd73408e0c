package image

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Import makes a one-layer image from a root filesystem tar (plain or
// gzip), as docker import does, and stores it under ref ("" leaves it
// unnamed). The tar is copied to the store's tmp/ first: building the
// layer reads it twice (once to hash, once to store).
func (s *Store) Import(ctx context.Context, r io.Reader, ref, source string) (*Image, error) {
	var names []string
	if ref != "" {
		pr, err := ParseReference(ref)
		if err != nil {
			return nil, err
		}
		names = []string{FullName(pr)}
	}
	f, err := os.CreateTemp(s.tmpDir(), "import-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if _, err := io.Copy(f, &ctxReader{ctx, r}); err != nil {
		return nil, fmt.Errorf("reading %s: %w", source, err)
	}
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return os.Open(f.Name()) },
		tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	now := time.Now().UTC()
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err := mutate.Append(base, mutate.Addendum{Layer: l, History: v1.History{
		Created: v1.Time{Time: now}, CreatedBy: "vitro import " + source, Comment: "imported from a root filesystem tarball"}})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	cf = cf.DeepCopy()
	cf.Created, cf.Architecture, cf.OS = v1.Time{Time: now}, runtime.GOARCH, "linux"
	cf.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return nil, err
	}
	return s.Put(ctx, img, names, nil)
}

// ctxReader stops a long copy when ctx is cancelled (Ctrl-C).
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
