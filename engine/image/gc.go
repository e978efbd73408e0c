package image

import (
	"bytes"
	"context"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/vitro-dev/vitro/internal/trace"
)

// GCReport says what garbage collection removed.
type GCReport struct {
	Blobs     int   // blobs no image needs
	Layers    int   // unpacked layers no image needs
	Temp      int   // leftovers of interrupted writes
	Reclaimed int64 // bytes of blobs and layer files
}

// GC removes what no index entry reaches: blobs, unpacked layers, and
// the temporary files of writes that never finished (a crash mid-pull).
// Reference counts are not stored but computed here, from index.json, so
// they cannot drift from it. It waits for running pulls to finish (they
// hold gc.lock shared) and blocks new ones meanwhile.
func (s *Store) GC(ctx context.Context) (GCReport, error) {
	var rep GCReport
	unlockGC, err := s.lock(ctx, "gc.lock", false)
	if err != nil {
		return rep, err
	}
	defer unlockGC()
	unlock, err := s.lock(ctx, "index.lock", false)
	if err != nil {
		return rep, err
	}
	defer unlock()
	idx, err := s.readIndex()
	if err != nil {
		return rep, err
	}
	blobs, diffIDs := map[string]bool{}, map[string]bool{}
	for _, d := range idx.Manifests {
		blobs[d.Digest.Hex] = true
		raw, err := s.readBlob(d.Digest.String())
		if err != nil {
			continue // a missing manifest: its entry is broken, nothing of it to keep
		}
		m, err := v1.ParseManifest(bytes.NewReader(raw))
		if err != nil {
			continue
		}
		blobs[m.Config.Digest.Hex] = true
		for _, l := range m.Layers {
			blobs[l.Digest.Hex] = true
		}
		rawCfg, err := s.readBlob(m.Config.Digest.String())
		if err != nil {
			continue
		}
		if cf, err := v1.ParseConfigFile(bytes.NewReader(rawCfg)); err == nil {
			for _, id := range cf.RootFS.DiffIDs {
				diffIDs[id.Hex] = true
			}
		}
	}
	rep.Blobs, rep.Reclaimed = sweep(filepath.Join(s.dir, "blobs", "sha256"), blobs)
	n, b := sweep(filepath.Join(s.layers, "sha256"), diffIDs)
	rep.Layers, rep.Reclaimed = n, rep.Reclaimed+b
	for _, tmp := range []string{s.tmpDir(), filepath.Join(s.layers, "tmp")} {
		n, b := sweep(tmp, nil)
		rep.Temp, rep.Reclaimed = rep.Temp+n, rep.Reclaimed+b
	}
	// Uses of images that are gone (rmi -f, then the container released).
	es, _ := os.ReadDir(filepath.Join(s.dir, "uses"))
	for _, e := range es {
		os.Remove(filepath.Join(s.dir, "uses", e.Name())) // only when empty
	}
	trace.Action("image gc", trace.Int("blobs", int64(rep.Blobs)), trace.Int("layers", int64(rep.Layers)),
		trace.Int("temp", int64(rep.Temp)), trace.Int("bytes", rep.Reclaimed))
	return rep, nil
}

// sweep removes every entry of dir whose name keep lacks.
func sweep(dir string, keep map[string]bool) (n int, bytes int64) {
	es, err := os.ReadDir(dir)
	if err != nil {
		return 0, 0
	}
	for _, e := range es {
		if keep[e.Name()] {
			continue
		}
		p := filepath.Join(dir, e.Name())
		size := duSize(p)
		if os.RemoveAll(p) == nil {
			trace.Action("remove", trace.Str("path", p))
			n++
			bytes += size
		}
	}
	return n, bytes
}

func duSize(p string) int64 {
	var total int64
	filepath.Walk(p, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			total += fi.Size()
		}
		return nil
	})
	return total
}
