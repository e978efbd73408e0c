package image

import (
	"context"
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/vitro-dev/vitro/engine/image/layer"
	"github.com/vitro-dev/vitro/internal/trace"
	"golang.org/x/sync/errgroup"
)

// Progress receives the state of each layer while an image is stored.
// id is the layer's short digest; status is docker's word for the state
// ("Waiting", "Downloading", "Pull complete", "Already exists"); total is
// -1 when unknown. Implementations must be safe for concurrent calls.
type Progress interface {
	Update(id, status string, current, total int64)
}

type noProgress struct{}

func (noProgress) Update(string, string, int64, int64) {}

// putJobs is how many layers are fetched and unpacked at once.
const putJobs = 3

// layerTypes are the layer media types vitro can unpack.
var layerTypes = map[types.MediaType]bool{
	types.DockerLayer: true, types.DockerUncompressedLayer: true,
	types.OCILayer: true, types.OCILayerZStd: true, types.OCIUncompressedLayer: true,
}

// Put stores img (from a registry, an archive or built here) under names
// (full names, see FullName): every layer's blob and unpacked directory,
// the config, the manifest, then the names in index.json, last, so a
// crash before that leaves only unnamed blobs for prune.
func (s *Store) Put(ctx context.Context, img v1.Image, names []string, p Progress) (*Image, error) {
	if p == nil {
		p = noProgress{}
	}
	unlock, err := s.lock(ctx, "gc.lock", true)
	if err != nil {
		return nil, err
	}
	defer unlock()
	mt, err := img.MediaType()
	if err != nil {
		return nil, err
	}
	if mt != types.DockerManifestSchema2 && mt != types.OCIManifestSchema1 {
		return nil, fmt.Errorf("manifest media type %q is not an image manifest vitro can store (want %s or %s)", mt, types.OCIManifestSchema1, types.DockerManifestSchema2)
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("reading manifest: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading image config: %w", err)
	}
	if len(cf.RootFS.DiffIDs) != len(m.Layers) {
		return nil, fmt.Errorf("image config lists %d diffIDs but the manifest %d layers: the image is broken", len(cf.RootFS.DiffIDs), len(m.Layers))
	}
	if err := s.putLayers(ctx, img, m, cf, p); err != nil {
		return nil, err
	}
	rawCfg, err := img.RawConfigFile()
	if err != nil {
		return nil, err
	}
	if err := s.writeBlob(strings.NewReader(string(rawCfg)), m.Config.Digest.String(), m.Config.Size); err != nil {
		return nil, fmt.Errorf("image config: %w", err)
	}
	raw, err := img.RawManifest()
	if err != nil {
		return nil, err
	}
	digest, err := img.Digest()
	if err != nil {
		return nil, err
	}
	if err := s.writeBlob(strings.NewReader(string(raw)), digest.String(), int64(len(raw))); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	desc := v1.Descriptor{MediaType: mt, Size: int64(len(raw)), Digest: digest,
		Platform: &v1.Platform{OS: cf.OS, Architecture: cf.Architecture, Variant: cf.Variant}}
	err = s.updateIndex(ctx, func(idx *v1.IndexManifest) error {
		if len(names) == 0 {
			idx.Manifests = dedupe(append(idx.Manifests, desc))
		}
		for _, n := range names {
			setName(idx, n, desc)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	trace.Action("stored image", trace.Str("manifest", digest.String()), trace.Str("id", m.Config.Digest.String()), trace.Str("names", strings.Join(names, " ")))
	return s.byManifest(digest.String())
}

func (s *Store) putLayers(ctx context.Context, img v1.Image, m *v1.Manifest, cf *v1.ConfigFile, p Progress) error {
	layers, err := img.Layers()
	if err != nil {
		return fmt.Errorf("listing layers: %w", err)
	}
	for i, d := range m.Layers {
		if !layerTypes[d.MediaType] {
			return fmt.Errorf("layer %d (%s): unknown media type %q", i, d.Digest, d.MediaType)
		}
		p.Update(ShortID(d.Digest.String()), "Waiting", 0, d.Size)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(putJobs)
	for i, l := range layers {
		d := m.Layers[i]
		want := layer.Digests{Digest: d.Digest.String(), DiffID: cf.RootFS.DiffIDs[i].String()}
		id := ShortID(want.Digest)
		g.Go(func() error {
			cached, err := s.fetchLayer(gctx, l, want, d.Size, func(n int64) { p.Update(id, "Downloading", n, d.Size) })
			if err != nil {
				p.Update(id, "Failed", 0, d.Size)
				return err
			}
			if cached {
				p.Update(id, "Already exists", d.Size, d.Size)
			} else {
				p.Update(id, "Pull complete", d.Size, d.Size)
			}
			return nil
		})
	}
	return g.Wait()
}
