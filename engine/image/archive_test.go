package image

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/vitro-dev/vitro/internal/testenv"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	testenv.RequirePrivileged(t)
	src := openStore(t)
	ctx := context.Background()
	if _, err := src.Put(ctx, multiLayerImage(t), []string{"docker.io/vitro/multi:1"}, nil); err != nil {
		t.Fatal(err)
	}
	want, _ := src.Get("vitro/multi:1")
	for _, format := range []string{FormatDocker, FormatOCI} {
		t.Run(format, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "images.tar")
			f, _ := os.Create(path)
			if err := src.Save(ctx, f, []string{"vitro/multi:1"}, format); err != nil {
				t.Fatal(err)
			}
			f.Close()
			dst := openStore(t)
			ims, err := dst.Load(ctx, path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(ims) != 1 || ims[0].Id != want.Id || ims[0].RepoTags[0] != "vitro/multi:1" {
				t.Fatalf("loaded %+v, want id %s", ims, want.Id)
			}
			checkWhiteouts(t, ims[0])
			// skopeo, a client that is not ours, reads the archive.
			if _, err := os.Stat("/usr/bin/skopeo"); err == nil {
				transport := map[string]string{FormatDocker: "docker-archive:", FormatOCI: "oci-archive:"}[format]
				out, err := exec.Command("skopeo", "inspect", "--raw", "--config", transport+path).Output()
				if err != nil {
					t.Fatalf("skopeo inspect %s%s: %v", transport, path, err)
				}
				var cfg struct {
					RootFS struct {
						DiffIDs []string `json:"diff_ids"`
					} `json:"rootfs"`
				}
				if err := json.Unmarshal(out, &cfg); err != nil || len(cfg.RootFS.DiffIDs) != 3 || cfg.RootFS.DiffIDs[2] != want.Layers[2].DiffID {
					t.Fatalf("skopeo sees config %s (%v)", out, err)
				}
			}
		})
	}
}

func TestImportMakesRunReadyLayer(t *testing.T) {
	testenv.RequirePrivileged(t)
	s := openStore(t)
	rootfs := layerTar(t, tarEntry{name: "bin/", typ: '5', mode: 0o755}, tarEntry{name: "bin/hello", body: "#!/bin/sh\necho hi\n", mode: 0o755})
	im, err := s.Import(context.Background(), bytes.NewReader(gzipped(rootfs)), "imported:1", "test")
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Layers) != 1 || im.RepoTags[0] != "imported:1" || im.Layers[0].DiffID != sha(rootfs) {
		t.Fatalf("imported %+v", im)
	}
	fi, err := os.Stat(filepath.Join(im.LayerDirs()[0], "bin", "hello"))
	if err != nil || fi.Mode().Perm() != 0o755 {
		t.Fatalf("bin/hello: %v %v", fi, err)
	}
	checkConsistent(t, s, 1)
}
