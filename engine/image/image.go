package image

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/vitro-dev/vitro/internal/trace"
)

// ErrNotFound: no local image has that name or ID.
var ErrNotFound = errors.New("no such image")

// Image is one stored image, with what `vitro run` needs from it. Field
// names follow `docker image inspect`, so '{{.Id}}' and '{{.Config.Cmd}}'
// work in --format templates.
type Image struct {
	Id           string    // config digest: docker's image ID
	Digest       string    // manifest digest
	Names        []string  // full names: docker.io/library/busybox:latest
	RepoTags     []string  // familiar names: busybox:latest
	RepoDigests  []string  // repo@manifest-digest
	MediaType    string    // of the manifest
	Created      time.Time // from the config
	Size         int64     // bytes of file data in all layers, unpacked
	Architecture string
	Os           string
	Config       v1.Config // Env, Cmd, Entrypoint, WorkingDir, User, ...
	History      []v1.History
	RootFS       v1.RootFS
	Layers       []Layer // lowest first
}

// Layer is one layer of an image.
type Layer struct {
	Digest    string // the compressed blob, as the manifest names it
	DiffID    string // the uncompressed tar, as the config names it
	MediaType string
	Size      int64  // compressed
	Dir       string // unpacked: the overlay lowerdir
}

// LayerDirs lists the unpacked layer directories, lowest (the base) first.
// overlayfs's lowerdir= option wants the opposite order: topmost first.
func (im *Image) LayerDirs() []string {
	dirs := make([]string, len(im.Layers))
	for i, l := range im.Layers {
		dirs[i] = l.Dir
	}
	return dirs
}

// byManifest loads the image whose manifest has digest, with its names
// from the index.
func (s *Store) byManifest(digest string) (*Image, error) {
	idx, err := s.readIndex()
	if err != nil {
		return nil, err
	}
	return s.load(idx, digest)
}

func (s *Store) load(idx *v1.IndexManifest, digest string) (*Image, error) {
	raw, err := s.readBlob(digest)
	if err != nil {
		return nil, err
	}
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", digest, err)
	}
	rawCfg, err := s.readBlob(m.Config.Digest.String())
	if err != nil {
		return nil, err
	}
	cf, err := v1.ParseConfigFile(bytes.NewReader(rawCfg))
	if err != nil {
		return nil, fmt.Errorf("image config %s: %w", m.Config.Digest, err)
	}
	if len(cf.RootFS.DiffIDs) != len(m.Layers) {
		return nil, fmt.Errorf("image %s: config lists %d diffIDs, manifest %d layers", digest, len(cf.RootFS.DiffIDs), len(m.Layers))
	}
	im := &Image{Id: m.Config.Digest.String(), Digest: digest, MediaType: string(m.MediaType),
		Created: cf.Created.Time, Architecture: cf.Architecture, Os: cf.OS, Config: cf.Config,
		History: cf.History, RootFS: cf.RootFS}
	if im.MediaType == "" {
		im.MediaType = "(none: " + guessMediaType(raw) + ")"
	}
	for i, l := range m.Layers {
		diffID := cf.RootFS.DiffIDs[i].String()
		dir, _ := s.LayerDir(diffID)
		im.Layers = append(im.Layers, Layer{Digest: l.Digest.String(), DiffID: diffID, MediaType: string(l.MediaType), Size: l.Size, Dir: dir})
		if meta, err := s.readLayerMeta(diffID); err == nil {
			im.Size += meta.Size
		}
	}
	repos := map[string]bool{}
	for _, d := range idx.Manifests {
		full := d.Annotations[annName]
		if d.Digest.String() != digest || full == "" {
			continue
		}
		im.Names = append(im.Names, full)
		repo, tag, _ := SplitName(full)
		if tag != "" {
			im.RepoTags = append(im.RepoTags, Familiar(full))
		}
		if !repos[repo] {
			repos[repo] = true
			im.RepoDigests = append(im.RepoDigests, Familiar(repo)+"@"+digest)
		}
	}
	sort.Strings(im.Names)
	sort.Strings(im.RepoTags)
	return im, nil
}

// guessMediaType names a manifest that has no mediaType field by its
// shape, as registries do (schema 2 manifests had to carry one; OCI ones
// may leave it out).
func guessMediaType(raw []byte) string {
	if bytes.Contains(raw, []byte(`"manifests"`)) {
		return "index"
	}
	return "OCI manifest"
}

// Get finds a local image by name (busybox, busybox:1.36,
// registry:5000/app@sha256:...), by image ID or by an unambiguous prefix of
// it (docker's short IDs).
func (s *Store) Get(ref string) (*Image, error) {
	idx, err := s.readIndex()
	if err != nil {
		return nil, err
	}
	digest, err := s.resolve(idx, ref)
	if err != nil {
		return nil, err
	}
	return s.load(idx, digest)
}

// resolve returns the manifest digest ref names.
func (s *Store) resolve(idx *v1.IndexManifest, ref string) (string, error) {
	if looksLikeID(ref) {
		var hits []string
		seen := map[string]bool{}
		for _, d := range idx.Manifests {
			id, err := s.configDigest(d.Digest.String())
			if err != nil || seen[d.Digest.String()] {
				continue
			}
			seen[d.Digest.String()] = true
			if strings.HasPrefix(strings.TrimPrefix(id, "sha256:"), strings.TrimPrefix(ref, "sha256:")) {
				hits = append(hits, d.Digest.String())
			}
		}
		if len(hits) == 1 {
			return hits[0], nil
		}
		if len(hits) > 1 {
			return "", fmt.Errorf("image ID prefix %q is ambiguous (%d images): give more digits", ref, len(hits))
		}
	}
	r, err := ParseReference(ref)
	if err != nil {
		return "", err
	}
	full := FullName(r)
	for _, d := range idx.Manifests {
		if d.Annotations[annName] == full {
			return d.Digest.String(), nil
		}
	}
	if dr, ok := r.(name.Digest); ok {
		repo := RepoName(dr.Context())
		for _, d := range idx.Manifests {
			if got, _, _ := SplitName(d.Annotations[annName]); got == repo && d.Digest.String() == dr.DigestStr() {
				return d.Digest.String(), nil
			}
		}
	}
	return "", fmt.Errorf("%w: %s (vitro pull %s, or vitro images to list the local ones)", ErrNotFound, Familiar(full), ref)
}

func (s *Store) configDigest(manifest string) (string, error) {
	raw, err := s.readBlob(manifest)
	if err != nil {
		return "", err
	}
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return "", err
	}
	return m.Config.Digest.String(), nil
}

// looksLikeID: "sha256:<hex>" or at least 4 hex digits and nothing else.
func looksLikeID(s string) bool {
	hex := strings.TrimPrefix(s, "sha256:")
	return len(hex) >= 4 && len(hex) <= 64 && strings.Trim(hex, "0123456789abcdef") == ""
}

// List returns every stored image, one per manifest, newest first.
func (s *Store) List() ([]*Image, error) {
	idx, err := s.readIndex()
	if err != nil {
		return nil, err
	}
	var out []*Image
	seen := map[string]bool{}
	for _, d := range idx.Manifests {
		if seen[d.Digest.String()] {
			continue
		}
		seen[d.Digest.String()] = true
		im, err := s.load(idx, d.Digest.String())
		if err != nil {
			// A damaged entry (a blob deleted by hand) must not hide the
			// others; vitro image prune drops it.
			trace.Action("skip damaged image", trace.Str("manifest", d.Digest.String()), trace.Str("error", err.Error()))
			continue
		}
		out = append(out, im)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, nil
}

// Count is the number of images (distinct manifests) under dataRoot,
// read without creating anything; 0 when there is no store.
func Count(dataRoot string) int {
	s := &Store{dir: filepath.Join(dataRoot, "images")}
	idx, err := s.readIndex()
	if err != nil {
		return 0
	}
	seen := map[v1.Hash]bool{}
	for _, d := range idx.Manifests {
		seen[d.Digest] = true
	}
	return len(seen)
}
