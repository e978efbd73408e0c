package image

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/vitro-dev/vitro/internal/testenv"
)

func TestTagRemoveUsePrune(t *testing.T) {
	s, im := bootstrapStore(t)
	ctx := context.Background()
	if err := s.Tag(ctx, "busybox", "mine:1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get("mine:1"); got == nil || got.Id != im.Id || len(got.RepoTags) != 2 {
		t.Fatalf("after tag: %+v", got)
	}
	// Removing one of two names only untags.
	res, err := s.Remove(ctx, "mine:1", false)
	if err != nil || len(res.Untagged) != 1 || len(res.Deleted) != 0 {
		t.Fatalf("rmi mine:1 = %+v, %v", res, err)
	}
	// A container uses the image: rmi refuses, -f untags and keeps it.
	if _, err := s.Use(ctx, "busybox", "c1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Remove(ctx, "busybox", false); !errors.Is(err, ErrInUse) {
		t.Fatalf("rmi of a used image = %v, want ErrInUse", err)
	}
	if res, err := s.Remove(ctx, "busybox", true); err != nil || len(res.Deleted) != 0 {
		t.Fatalf("rmi -f = %+v, %v", res, err)
	}
	if _, err := s.Get(im.Id); err != nil {
		t.Fatalf("the used image is gone: %v", err)
	}
	if rep, err := s.Prune(ctx, true); err != nil || len(rep.ImagesDeleted) != 0 || !exists(im.LayerDirs()[0]) {
		t.Fatalf("prune -a removed a used image: %+v, %v", rep, err)
	}
	if err := s.Release(im.Id, "c1"); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Prune(ctx, false)
	if err != nil || len(rep.ImagesDeleted) != 1 || rep.GC.Layers != 1 {
		t.Fatalf("prune = %+v, %v", rep, err)
	}
	checkConsistent(t, s, 0)
}

// A crash mid-pull leaves temp files and unnamed blobs; prune clears them
// and a later pull works.
func TestCrashLeftoversArePruned(t *testing.T) {
	s, im := bootstrapStore(t)
	ctx := context.Background()
	os.WriteFile(filepath.Join(s.tmpDir(), "blob-123"), []byte("half a blob"), 0o600)
	os.MkdirAll(filepath.Join(s.layers, "tmp", "abc-1", "diff", "etc"), 0o755)
	os.WriteFile(filepath.Join(s.dir, "blobs", "sha256", hex64), []byte("orphan"), 0o600)
	rep, err := s.Prune(ctx, false)
	if err != nil || rep.GC.Temp != 2 || rep.GC.Blobs != 1 {
		t.Fatalf("prune = %+v, %v", rep, err)
	}
	if _, err := s.Get("busybox"); err != nil || !exists(im.LayerDirs()[0]) {
		t.Fatalf("prune hurt a named image: %v", err)
	}
	checkConsistent(t, s, 1)
}

// Concurrent stores of the same image end with one copy and one entry.
func TestConcurrentPuts(t *testing.T) {
	testenv.RequirePrivileged(t)
	s := openStore(t)
	img := multiLayerImage(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Separate Store values: as if from separate processes.
			s2, err := Open(s.root)
			if err == nil {
				_, err = s2.Put(context.Background(), img, []string{"docker.io/vitro/multi:1"}, nil)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	checkConsistent(t, s, 1)
	es, _ := os.ReadDir(filepath.Join(s.layers, "sha256"))
	if len(es) != 3 {
		t.Fatalf("%d unpacked layers, want 3", len(es))
	}
}

// cancelOnProgress cancels the pull at the first byte downloaded, as
// Ctrl-C would.
type cancelOnProgress struct{ cancel context.CancelFunc }

func (c cancelOnProgress) Update(_, status string, _, _ int64) {
	if status == "Downloading" {
		c.cancel()
	}
}

func TestInterruptedPutLeavesNothingHalfMade(t *testing.T) {
	testenv.RequirePrivileged(t)
	s := openStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := s.Put(ctx, multiLayerImage(t), []string{"docker.io/vitro/multi:1"}, cancelOnProgress{cancel})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Put after cancel = %v, want context.Canceled", err)
	}
	checkConsistent(t, s, 0)
	// And a later pull works.
	if _, err := s.Put(context.Background(), multiLayerImage(t), []string{"docker.io/vitro/multi:1"}, nil); err != nil {
		t.Fatal(err)
	}
	checkConsistent(t, s, 1)
}

// A blob deleted by hand: the other images still list, prune drops the
// damaged entry.
func TestDamagedEntryIsPruned(t *testing.T) {
	s, im := bootstrapStore(t)
	if _, err := s.Put(context.Background(), multiLayerImage(t), []string{"docker.io/vitro/multi:1"}, nil); err != nil {
		t.Fatal(err)
	}
	damaged, _ := s.Get("vitro/multi:1")
	p, _ := s.blobPath(damaged.Id)
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	ims, err := s.List()
	if err != nil || len(ims) != 1 || ims[0].Id != im.Id {
		t.Fatalf("List with a damaged entry = %v, %v", ims, err)
	}
	if _, err := s.Get("vitro/multi:1"); err == nil {
		t.Fatal("Get of a damaged image succeeded")
	}
	if _, err := s.Prune(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	checkConsistent(t, s, 1)
}
