package image

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/vitro-dev/vitro/engine/image/layer"
	"github.com/vitro-dev/vitro/internal/testenv"
)

func sha(b []byte) string { return fmt.Sprintf("sha256:%x", sha256.Sum256(b)) }

func gzipped(b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

// rawImage is an image written blob by blob, so a test can break any part.
type rawImage struct {
	layerTar, layerBlob []byte
	layerDigest         string // as the manifest names it
	layerSize           int64
	layerType           string
	diffIDs             []string
	manifestType        string // "" leaves the field out
	omitLayerBlob       bool
	omitConfigBlob      bool
}

func goodRaw(t testing.TB, entries ...tarEntry) rawImage {
	if len(entries) == 0 {
		entries = []tarEntry{{name: "hello", body: "hello\n"}}
	}
	plain := layerTar(t, entries...)
	blob := gzipped(plain)
	return rawImage{layerTar: plain, layerBlob: blob, layerDigest: sha(blob), layerSize: int64(len(blob)),
		layerType: "application/vnd.oci.image.layer.v1.tar+gzip", diffIDs: []string{sha(plain)},
		manifestType: "application/vnd.oci.image.manifest.v1+json"}
}

// archive writes r as an OCI layout archive and returns its path.
func (r rawImage) archive(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	blobs := filepath.Join(dir, "blobs", "sha256")
	os.MkdirAll(blobs, 0o755)
	put := func(digest string, b []byte) {
		os.WriteFile(filepath.Join(blobs, strings.TrimPrefix(digest, "sha256:")), b, 0o644)
	}
	cfg, _ := json.Marshal(map[string]any{"architecture": HostPlatform().Architecture, "os": "linux",
		"rootfs": map[string]any{"type": "layers", "diff_ids": r.diffIDs}, "config": map[string]any{"Cmd": []string{"sh"}}})
	m := map[string]any{"schemaVersion": 2,
		"config": map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha(cfg), "size": len(cfg)},
		"layers": []any{map[string]any{"mediaType": r.layerType, "digest": r.layerDigest, "size": r.layerSize}}}
	if r.manifestType != "" {
		m["mediaType"] = r.manifestType
	}
	mb, _ := json.Marshal(m)
	if !r.omitConfigBlob {
		put(sha(cfg), cfg)
	}
	if !r.omitLayerBlob {
		put(r.layerDigest, r.layerBlob)
	}
	put(sha(mb), mb)
	descType := r.manifestType
	if descType == "" {
		descType = "application/vnd.oci.image.manifest.v1+json"
	}
	idx, _ := json.Marshal(map[string]any{"schemaVersion": 2, "manifests": []any{map[string]any{
		"mediaType": descType, "digest": sha(mb), "size": len(mb),
		"annotations": map[string]string{annName: "docker.io/library/raw:1"}}}})
	os.WriteFile(filepath.Join(dir, "index.json"), idx, 0o644)
	os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
	f, err := os.Create(filepath.Join(t.TempDir(), "image.tar"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := tarDir(f, dir); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}

// listTree lists a directory tree, for before/after comparisons.
func listTree(root string) string {
	var out []string
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err == nil {
			out = append(out, p+" "+fi.Mode().String())
		}
		return nil
	})
	sort.Strings(out)
	return strings.Join(out, "\n")
}

func TestHostileImages(t *testing.T) {
	testenv.RequirePrivileged(t)
	other := sha([]byte("something else"))
	cases := []struct {
		name string
		mut  func(r *rawImage)
		want error
		text string
	}{
		{name: "wrong layer digest", mut: func(r *rawImage) { r.layerDigest = other }, want: layer.ErrDigest},
		{name: "wrong diffID", mut: func(r *rawImage) { r.diffIDs = []string{other} }, want: layer.ErrDiffID},
		{name: "truncated gzip", mut: func(r *rawImage) {
			r.layerBlob = r.layerBlob[:len(r.layerBlob)/2]
			r.layerDigest, r.layerSize = sha(r.layerBlob), int64(len(r.layerBlob))
		}, text: "unexpected EOF"},
		{name: "missing layer blob", mut: func(r *rawImage) { r.omitLayerBlob = true }, text: "no such file"},
		{name: "missing config blob", mut: func(r *rawImage) { r.omitConfigBlob = true }, text: "no such file"},
		{name: "size mismatch", mut: func(r *rawImage) { r.layerSize += 10 }, want: ErrBlobMismatch},
		{name: "unknown layer media type", mut: func(r *rawImage) { r.layerType = "application/vnd.example.mystery" }, text: "unknown media type"},
		{name: "unknown manifest media type", mut: func(r *rawImage) { r.manifestType = "application/vnd.example.manifest" }, text: "media type"},
		{name: "diffID count", mut: func(r *rawImage) { r.diffIDs = append(r.diffIDs, other) }, text: "diffIDs"},
		{name: "traversal in layer", mut: func(r *rawImage) {
			*r = goodRaw(t, tarEntry{name: "../../../outside/evil", body: "x"})
		}, want: layer.ErrEscape},
		{name: "symlink escape in layer", mut: func(r *rawImage) {
			*r = goodRaw(t, tarEntry{name: "l", typ: tar.TypeSymlink, link: "../../../outside"}, tarEntry{name: "l/evil", body: "x"})
		}, want: layer.ErrSymlinkPath},
		{name: "device node in layer", mut: func(r *rawImage) {
			*r = goodRaw(t, tarEntry{name: "dev/mem", typ: tar.TypeChar})
		}, want: layer.ErrDevice},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			top := t.TempDir()
			outside := filepath.Join(top, "outside")
			os.Mkdir(outside, 0o755)
			s, err := Open(filepath.Join(top, "data"))
			if err != nil {
				t.Fatal(err)
			}
			r := goodRaw(t)
			c.mut(&r)
			path := r.archive(t)
			before := listTree(outside)
			_, err = s.Load(context.Background(), path, nil)
			if err == nil {
				t.Fatal("Load accepted a broken image")
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("error %q, want %v", err, c.want)
			}
			if c.text != "" && !strings.Contains(err.Error(), c.text) {
				t.Fatalf("error %q, want it to mention %q", err, c.text)
			}
			t.Log(err)
			if after := listTree(outside); after != before {
				t.Fatalf("something was written outside the data root:\n%s", after)
			}
			checkConsistent(t, s, 0)
		})
	}
}

// checkConsistent asserts the store lists n images, has no leftovers in
// its tmp directories, and that GC finds nothing but the unreferenced.
func checkConsistent(t *testing.T, s *Store, n int) {
	t.Helper()
	ims, err := s.List()
	if err != nil || len(ims) != n {
		t.Fatalf("List = %d images, %v; want %d", len(ims), err, n)
	}
	for _, d := range []string{s.tmpDir(), filepath.Join(s.layers, "tmp")} {
		if es, _ := os.ReadDir(d); len(es) != 0 {
			t.Fatalf("%s holds leftovers: %v", d, es)
		}
	}
	if _, err := s.GC(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, im := range ims {
		for _, dir := range im.LayerDirs() {
			if !exists(dir) {
				t.Fatalf("GC removed %s of a named image", dir)
			}
		}
	}
	if n == 0 {
		for _, d := range []string{filepath.Join(s.dir, "blobs", "sha256"), filepath.Join(s.layers, "sha256")} {
			if es, _ := os.ReadDir(d); len(es) != 0 {
				t.Fatalf("%s still holds %d entries after GC of an empty store", d, len(es))
			}
		}
	}
}

func TestManifestWithoutMediaType(t *testing.T) {
	testenv.RequirePrivileged(t)
	s := openStore(t)
	r := goodRaw(t)
	r.manifestType = ""
	ims, err := s.Load(context.Background(), r.archive(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ims) != 1 || ims[0].RepoTags[0] != "raw:1" {
		t.Fatalf("loaded %+v", ims)
	}
	checkConsistent(t, s, 1)
}

func TestBadArchives(t *testing.T) {
	s := openStore(t)
	notTar := filepath.Join(t.TempDir(), "x.tar")
	os.WriteFile(notTar, bytes.Repeat([]byte("garbage!"), 200), 0o644)
	if _, err := s.Load(context.Background(), notTar, nil); err == nil || !strings.Contains(err.Error(), "not a tar") {
		t.Fatalf("Load(garbage) = %v", err)
	}
	emptyTar := filepath.Join(t.TempDir(), "empty.tar")
	os.WriteFile(emptyTar, layerTar(t, tarEntry{name: "hello", body: "x"}), 0o644)
	if _, err := s.Load(context.Background(), emptyTar, nil); err == nil || !strings.Contains(err.Error(), "not an image archive") {
		t.Fatalf("Load(plain tar) = %v", err)
	}
	// From standard input (spooled to a file), errors name what the user gave.
	_, err := s.LoadFrom(context.Background(), emptyTar, "standard input", nil)
	if err == nil || !strings.HasPrefix(err.Error(), "standard input has neither") || strings.Contains(err.Error(), emptyTar) {
		t.Fatalf("LoadFrom(plain tar, standard input) = %v", err)
	}
	// A docker archive whose manifest.json names a layer it lacks.
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mj := []byte(`[{"Config":"c.json","RepoTags":["x:1"],"Layers":["missing.tar"]}]`)
	cj := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["` + sha(nil) + `"]}}`)
	for name, b := range map[string][]byte{"manifest.json": mj, "c.json": cj} {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg})
		tw.Write(b)
	}
	tw.Close()
	missing := filepath.Join(t.TempDir(), "missing.tar")
	os.WriteFile(missing, buf.Bytes(), 0o644)
	if _, err := s.Load(context.Background(), missing, nil); err == nil {
		t.Fatal("Load accepted an archive with a missing layer")
	} else {
		t.Log(err)
	}
	checkConsistent(t, s, 0)
	for _, ref := range []string{"", "UPPER", "a:b:c", "x@sha256:12", "-x", "a//b"} {
		if _, err := s.Get(ref); err == nil || errors.Is(err, ErrNotFound) {
			t.Errorf("Get(%q) = %v, want a parse error", ref, err)
		}
	}
}
