package image

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/vitro-dev/vitro/internal/trace"
)

// ErrInUse: a container uses the image.
var ErrInUse = errors.New("image is in use")

// Tag gives the image src the name dst (docker tag).
func (s *Store) Tag(ctx context.Context, src, dst string) error {
	im, err := s.Get(src)
	if err != nil {
		return err
	}
	ref, err := ParseReference(dst)
	if err != nil {
		return err
	}
	full := FullName(ref)
	if _, _, d := SplitName(full); d != "" {
		return fmt.Errorf("tag %q: a digest cannot be a tag; use NAME:TAG", dst)
	}
	return s.updateIndex(ctx, func(idx *v1.IndexManifest) error {
		for _, d := range idx.Manifests {
			if d.Digest.String() == im.Digest {
				setName(idx, full, d)
				return nil
			}
		}
		return fmt.Errorf("%w: %s vanished while tagging", ErrNotFound, src)
	})
}

var containerIDRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`)

func (s *Store) usesDir(imageID string) (string, error) {
	hex, err := parseDigest(imageID)
	if err != nil {
		return "", err
	}
	return filepath.Join(s.dir, "uses", hex), nil
}

// Use records that container uses the image ref names and returns it:
// rmi refuses that image (without -f) and prune keeps it and its layers
// until Release. This is how `vitro run` pins its image.
func (s *Store) Use(ctx context.Context, ref, container string) (*Image, error) {
	if !containerIDRe.MatchString(container) {
		return nil, fmt.Errorf("container ID %q: want letters, digits, _ . -", container)
	}
	unlock, err := s.lock(ctx, "index.lock", false)
	if err != nil {
		return nil, err
	}
	defer unlock()
	im, err := s.Get(ref)
	if err != nil {
		return nil, err
	}
	dir, err := s.usesDir(im.Id)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if err := s.writeFileAtomic(filepath.Join(dir, container), nil); err != nil {
		return nil, err
	}
	return im, nil
}

// Release undoes Use. Releasing an image that was not used is no error.
func (s *Store) Release(imageID, container string) error {
	dir, err := s.usesDir(imageID)
	if err != nil {
		return err
	}
	if !containerIDRe.MatchString(container) {
		return fmt.Errorf("container ID %q: want letters, digits, _ . -", container)
	}
	err = os.Remove(filepath.Join(dir, container))
	if errors.Is(err, os.ErrNotExist) {
		err = nil
	}
	os.Remove(dir) // only when empty
	return err
}

// Users lists the containers that use an image.
func (s *Store) Users(imageID string) []string {
	dir, err := s.usesDir(imageID)
	if err != nil {
		return nil
	}
	es, _ := os.ReadDir(dir)
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

// RemoveResult says what rmi did, in docker's words: Untagged (a name
// removed) and Deleted (an image ID gone).
type RemoveResult struct {
	Untagged []string
	Deleted  []string
}

// Remove removes one name, or with an image ID (or the last name) the
// whole image. An image a container uses is refused unless force, which
// removes its names and keeps it, dangling, for the container.
func (s *Store) Remove(ctx context.Context, ref string, force bool) (RemoveResult, error) {
	var res RemoveResult
	im, err := s.Get(ref)
	if err != nil {
		return res, err
	}
	byName := !looksLikeID(ref) || len(im.Names) > 0 && containsName(im.Names, ref)
	users := s.Users(im.Id)
	err = s.updateIndex(ctx, func(idx *v1.IndexManifest) error {
		var keep []v1.Descriptor
		for _, d := range idx.Manifests {
			if d.Digest.String() != im.Digest {
				keep = append(keep, d)
			}
		}
		names := im.Names
		if byName && len(im.Names) > 1 {
			r, _ := ParseReference(ref)
			names = []string{FullName(r)}
		} else if !byName && len(im.Names) > 1 && !force {
			return fmt.Errorf("image %s has %d names (%v): remove them by name, or use -f", ShortID(im.Id), len(im.Names), im.RepoTags)
		}
		if len(names) == len(im.Names) && len(users) > 0 && !force {
			return fmt.Errorf("%w: %s is used by container(s) %v: remove them first, or use -f", ErrInUse, ref, users)
		}
		gone := map[string]bool{}
		for _, n := range names {
			gone[n] = true
			res.Untagged = append(res.Untagged, Familiar(n))
		}
		last := true
		for _, d := range idx.Manifests {
			if d.Digest.String() == im.Digest && d.Annotations[annName] != "" && !gone[d.Annotations[annName]] {
				keep = append(keep, d)
				last = false
			}
		}
		if last && len(users) > 0 {
			for _, d := range idx.Manifests {
				if d.Digest.String() == im.Digest {
					d.Annotations = nil
					keep = append(keep, d)
					break
				}
			}
		} else if last {
			res.Deleted = append(res.Deleted, im.Id)
		}
		idx.Manifests = dedupe(keep)
		return nil
	})
	if err != nil {
		return RemoveResult{}, err
	}
	if len(res.Deleted) > 0 {
		_, err = s.GC(ctx)
	}
	return res, err
}

func containsName(names []string, ref string) bool {
	r, err := ParseReference(ref)
	if err != nil {
		return false
	}
	full := FullName(r)
	for _, n := range names {
		if n == full {
			return true
		}
	}
	return false
}

// PruneReport says what Prune removed.
type PruneReport struct {
	ImagesDeleted []string // image IDs
	GC            GCReport
}

// Prune removes dangling images (no name), or with all every image no
// container uses, then collects garbage.
func (s *Store) Prune(ctx context.Context, all bool) (PruneReport, error) {
	var rep PruneReport
	err := s.updateIndex(ctx, func(idx *v1.IndexManifest) error {
		var keep []v1.Descriptor
		for _, d := range idx.Manifests {
			id, err := s.configDigest(d.Digest.String())
			if err == nil {
				_, err = s.readBlob(id) // the config, too, must be there
			}
			used := err == nil && len(s.Users(id)) > 0
			if used || (err == nil && !all && d.Annotations[annName] != "") {
				keep = append(keep, d)
				continue
			}
			trace.Action("prune image", trace.Str("manifest", d.Digest.String()), trace.Str("name", d.Annotations[annName]))
			if err == nil && !containsStr(rep.ImagesDeleted, id) {
				rep.ImagesDeleted = append(rep.ImagesDeleted, id)
			}
		}
		idx.Manifests = keep
		return nil
	})
	if err != nil {
		return rep, err
	}
	rep.GC, err = s.GC(ctx)
	return rep, err
}

func containsStr(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
