package image

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/vitro-dev/vitro/engine/image/layer"
)

// Archive formats for Save.
const (
	FormatDocker = "docker" // docker save's: manifest.json, <config>.json, layer tars
	FormatOCI    = "oci"    // an OCI image layout, as a tar
)

// V1Image opens a stored image as a go-containerregistry image, reading
// its blobs from the store's OCI layout.
func (s *Store) V1Image(im *Image) (v1.Image, error) {
	h, err := v1.NewHash(im.Digest)
	if err != nil {
		return nil, err
	}
	return layout.Path(s.dir).Image(h)
}

// Save writes the images refs name to w as one archive in format (docker
// or oci).
func (s *Store) Save(ctx context.Context, w io.Writer, refs []string, format string) error {
	imgs := map[name.Reference]v1.Image{}
	var order []name.Reference
	for _, r := range refs {
		im, err := s.Get(r)
		if err != nil {
			return err
		}
		img, err := s.V1Image(im)
		if err != nil {
			return err
		}
		ref, err := ParseReference(r)
		if err != nil || looksLikeID(r) {
			// An image ID: save it under its first name, if it has one.
			ref, err = name.NewDigest(RepoOf(im) + "@" + im.Digest)
			if err != nil {
				return err
			}
		}
		if _, ok := imgs[ref]; !ok {
			order = append(order, ref)
		}
		imgs[ref] = img
	}
	switch format {
	case "", FormatDocker:
		return tarball.MultiRefWrite(imgs, w)
	case FormatOCI:
		return s.saveOCI(ctx, w, order, imgs)
	}
	return fmt.Errorf("archive format %q: want docker or oci", format)
}

// RepoOf is the repository of an image's first name, or "vitro/unnamed".
func RepoOf(im *Image) string {
	if len(im.Names) > 0 {
		repo, _, _ := SplitName(im.Names[0])
		return repo
	}
	return "vitro/unnamed"
}

// saveOCI builds an OCI layout in a temporary directory and writes it to
// w as a tar.
func (s *Store) saveOCI(ctx context.Context, w io.Writer, order []name.Reference, imgs map[name.Reference]v1.Image) error {
	dir, err := os.MkdirTemp(s.tmpDir(), "save-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	for _, ref := range order {
		ann := map[string]string{annName: FullName(ref)}
		if t, ok := ref.(name.Tag); ok {
			ann[annRef] = t.TagStr()
		}
		if err := p.AppendImage(imgs[ref], layout.WithAnnotations(ann)); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return tarDir(w, dir)
}

// tarDir writes dir's regular files and directories to w.
func tarDir(w io.Writer, dir string) error {
	tw := tar.NewWriter(w)
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		h, err := tar.FileInfoHeader(fi, "")
		if err != nil {
			return err
		}
		h.Name = filepath.ToSlash(rel)
		h.Uid, h.Gid, h.Uname, h.Gname = 0, 0, "", ""
		if fi.IsDir() {
			h.Name += "/"
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if !fi.Mode().IsRegular() {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(tw, f)
		return err
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

// Load reads a docker-archive (docker save) or an OCI layout archive from
// path and stores every image in it under the names it carries.
func (s *Store) Load(ctx context.Context, path string, p Progress) ([]*Image, error) {
	return s.LoadFrom(ctx, path, path, p)
}

// LoadFrom is Load for an archive that came from source, such as
// "standard input" copied to a temporary file at path: errors name source,
// what the user gave, not the file.
func (s *Store) LoadFrom(ctx context.Context, path, source string, p Progress) ([]*Image, error) {
	kind, err := archiveKind(path, source)
	if err != nil {
		return nil, err
	}
	if kind == FormatOCI {
		return s.loadOCI(ctx, path, source, p)
	}
	opener := func() (io.ReadCloser, error) { return os.Open(path) }
	m, err := tarball.LoadManifest(opener)
	if err != nil {
		return nil, fmt.Errorf("%s: reading manifest.json: %w", source, err)
	}
	var out []*Image
	for i, d := range m {
		var names []string
		var tagp *name.Tag
		for _, t := range d.RepoTags {
			tag, err := name.NewTag(t)
			if err != nil {
				return nil, fmt.Errorf("%s: image %d: tag %q: %w", source, i, t, err)
			}
			if tagp == nil {
				tagp = &tag
			}
			names = append(names, FullName(tag))
		}
		if tagp == nil && len(m) > 1 {
			return nil, fmt.Errorf("%s: image %d has no RepoTags and the archive holds %d images: vitro cannot tell them apart", source, i, len(m))
		}
		img, err := tarball.Image(opener, tagp)
		if err != nil {
			return nil, fmt.Errorf("%s: image %d: %w", source, i, err)
		}
		im, err := s.Put(ctx, img, names, p)
		if err != nil {
			return nil, fmt.Errorf("loading %s: %w", source, err)
		}
		out = append(out, im)
	}
	return out, nil
}

// archiveKind tells a docker-archive (manifest.json) from an OCI layout
// archive (oci-layout, index.json). Docker's newer archives have both;
// manifest.json wins.
func archiveKind(path, source string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	oci := false
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("%s is not a tar archive: %w", source, err)
		}
		switch strings.TrimPrefix(h.Name, "./") {
		case "manifest.json":
			return FormatDocker, nil
		case "oci-layout":
			oci = true
		}
	}
	if oci {
		return FormatOCI, nil
	}
	return "", fmt.Errorf("%s has neither manifest.json (docker save) nor oci-layout (OCI): not an image archive", source)
}

// loadOCI unpacks an OCI layout archive into tmp/ (with the layer
// unpacker's path checks) and stores each image its index names.
func (s *Store) loadOCI(ctx context.Context, path, source string, p Progress) ([]*Image, error) {
	dir, err := os.MkdirTemp(s.tmpDir(), "load-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	// The archive holds every layer of its images, compressed: it is
	// not one layer, so no size bound, but the free-space guard holds.
	_, err = layer.Unpack(ctx, f, dir, layer.Options{MaxSize: -1})
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	lp, err := layout.FromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	ii, err := lp.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("%s: index.json: %w", source, err)
	}
	im, err := ii.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("%s: index.json: %w", source, err)
	}
	var out []*Image
	for _, d := range im.Manifests {
		img, err := pickImage(ii, d)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", source, d.Digest, err)
		}
		var names []string
		if n := ociName(d.Annotations); n != "" {
			names = []string{n}
		}
		stored, err := s.Put(ctx, img, names, p)
		if err != nil {
			return nil, fmt.Errorf("loading %s: %w", source, err)
		}
		out = append(out, stored)
	}
	return out, nil
}

// pickImage returns the image a descriptor names; for a nested index, the
// one for this host's platform.
func pickImage(ii v1.ImageIndex, d v1.Descriptor) (v1.Image, error) {
	if !d.MediaType.IsIndex() {
		return ii.Image(d.Digest)
	}
	child, err := ii.ImageIndex(d.Digest)
	if err != nil {
		return nil, err
	}
	cm, err := child.IndexManifest()
	if err != nil {
		return nil, err
	}
	host := HostPlatform()
	for _, c := range cm.Manifests {
		if c.Platform != nil && c.Platform.Satisfies(host) {
			return child.Image(c.Digest)
		}
	}
	return nil, fmt.Errorf("no image for %s in the index", host)
}

// ociName reads a full name from a layout's annotations: containerd's
// name, else org.opencontainers.image.ref.name when it is a whole
// reference (skopeo and docker write a bare tag there too, which names no
// repository).
func ociName(ann map[string]string) string {
	for _, k := range []string{annName, annRef} {
		v := ann[k]
		if v == "" || (k == annRef && !strings.ContainsAny(v, "/:@")) {
			continue
		}
		if ref, err := ParseReference(v); err == nil {
			return FullName(ref)
		}
	}
	return ""
}
