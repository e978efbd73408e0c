package image

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/vitro-dev/vitro/internal/trace"
)

// Annotations on index.json entries. The first is containerd's full name,
// the second the OCI layout's own (the tag), so other tools find images by
// tag: skopeo inspect oci:<data-root>/images:latest.
const (
	annName = "io.containerd.image.name"
	annRef  = "org.opencontainers.image.ref.name"
)

func (s *Store) indexPath() string { return filepath.Join(s.dir, "index.json") }

// readIndex reads index.json; a missing file is an empty index.
func (s *Store) readIndex() (*v1.IndexManifest, error) {
	b, err := os.ReadFile(s.indexPath())
	if errors.Is(err, os.ErrNotExist) {
		return &v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex}, nil
	}
	if err != nil {
		return nil, err
	}
	idx, err := v1.ParseIndexManifest(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("image index %s is damaged: %w (remove it and pull again)", s.indexPath(), err)
	}
	return idx, nil
}

// updateIndex runs fn on index.json under the index lock and writes the
// result atomically. fn's error leaves the file as it was.
func (s *Store) updateIndex(ctx context.Context, fn func(*v1.IndexManifest) error) error {
	unlock, err := s.lock(ctx, "index.lock", false)
	if err != nil {
		return err
	}
	defer unlock()
	idx, err := s.readIndex()
	if err != nil {
		return err
	}
	if err := fn(idx); err != nil {
		return err
	}
	sort.SliceStable(idx.Manifests, func(i, j int) bool {
		return idx.Manifests[i].Annotations[annName] < idx.Manifests[j].Annotations[annName]
	})
	b, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return err
	}
	trace.Action("write image index", trace.Str("path", s.indexPath()), trace.Int("entries", int64(len(idx.Manifests))))
	return s.writeFileAtomic(s.indexPath(), append(b, '\n'))
}

// setName points full at desc: the name leaves any other manifest, and a
// manifest left without names stays as a dangling entry (docker's
// <none>:<none>) until prune.
func setName(idx *v1.IndexManifest, full string, desc v1.Descriptor) {
	var out []v1.Descriptor
	found := false
	for _, d := range idx.Manifests {
		if d.Annotations[annName] == full {
			if d.Digest == desc.Digest {
				found = true
				out = append(out, d)
				continue
			}
			d.Annotations = nil // the name moves: keep the old image, dangling
		}
		out = append(out, d)
	}
	if !found {
		desc.Annotations = map[string]string{annName: full}
		if _, tag, _ := SplitName(full); tag != "" {
			desc.Annotations[annRef] = tag
		}
		out = append(out, desc)
	}
	idx.Manifests = dedupe(out)
}

// dedupe drops dangling entries whose manifest still has a named entry,
// and duplicate dangling entries.
func dedupe(ds []v1.Descriptor) []v1.Descriptor {
	named := map[v1.Hash]bool{}
	for _, d := range ds {
		if d.Annotations[annName] != "" {
			named[d.Digest] = true
		}
	}
	var out []v1.Descriptor
	seen := map[v1.Hash]bool{}
	for _, d := range ds {
		if d.Annotations[annName] == "" {
			if named[d.Digest] || seen[d.Digest] {
				continue
			}
			seen[d.Digest] = true
		}
		out = append(out, d)
	}
	return out
}
