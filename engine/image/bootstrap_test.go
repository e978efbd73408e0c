package image

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/vitro-dev/vitro/internal/testenv"
)

func requireBusybox(t testing.TB) {
	t.Helper()
	testenv.RequireFile(t, DefaultBusybox, "busybox-static")
}

// bootstrapStore opens a store in a temp data root with the busybox image.
func bootstrapStore(t *testing.T) (*Store, *Image) {
	t.Helper()
	testenv.RequirePrivileged(t)
	requireBusybox(t)
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	im, err := s.Bootstrap(context.Background(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	return s, im
}

func TestBootstrap(t *testing.T) {
	s, im := bootstrapStore(t)
	if len(im.Layers) != 1 || im.Config.Cmd[0] != "sh" || len(im.RepoTags) != 1 || im.RepoTags[0] != "busybox:latest" {
		t.Fatalf("image = %+v", im)
	}
	dir := im.LayerDirs()[0]
	if target, err := os.Readlink(filepath.Join(dir, "bin", "sh")); err != nil || target != "busybox" {
		t.Fatalf("bin/sh -> %q, %v", target, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "tmp")); err != nil || fi.Mode()&os.ModeSticky == 0 {
		t.Fatalf("tmp: %v %v", fi, err)
	}
	got, err := s.Get("busybox")
	if err != nil || got.Id != im.Id {
		t.Fatalf("Get(busybox) = %v, %v", got, err)
	}
	if got, err := s.Get(ShortID(im.Id)); err != nil || got.Digest != im.Digest {
		t.Fatalf("Get(short id) = %v, %v", got, err)
	}
	// Reproducible: a second store built from the same busybox agrees.
	s2, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	im2, err := s2.Bootstrap(context.Background(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if im2.Digest != im.Digest {
		t.Fatalf("bootstrap is not reproducible: %s then %s", im.Digest, im2.Digest)
	}
}
