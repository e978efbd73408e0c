package image

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/vitro-dev/vitro/fsdemo"
	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/testenv"
	"golang.org/x/sys/unix"
)

// The child mounts the layers read-only with fsdemo's overlay, in a mount
// namespace of its own (so nothing can leak into the host's mount table),
// and prints what the merged view holds.
func init() {
	reexec.Register("image-test-merged", func() {
		target, lowers := os.Args[1], os.Args[2:]
		fail := func(err error) { fmt.Fprintln(os.Stderr, err); os.Exit(1) }
		if err := unix.Mount("", "/", "", unix.MS_PRIVATE|unix.MS_REC, ""); err != nil {
			fail(err)
		}
		m, err := fsdemo.Overlay(lowers, "", "", target)
		if err != nil {
			fail(err)
		}
		if err := fsdemo.Apply([]fsdemo.Mount{m}); err != nil {
			fail(err)
		}
		var seen []string
		for _, d := range []string{"data", "cfg"} {
			es, err := os.ReadDir(filepath.Join(target, d))
			if err != nil {
				fail(err)
			}
			for _, e := range es {
				seen = append(seen, d+"/"+e.Name())
			}
		}
		if _, err := os.Stat(filepath.Join(target, "bin", "busybox")); err == nil {
			seen = append(seen, "bin/busybox")
		}
		json.NewEncoder(os.Stdout).Encode(seen)
		os.Exit(0)
	})
}

func TestMergedViewWithOverlay(t *testing.T) {
	testenv.RequirePrivileged(t)
	s := openStore(t)
	im, err := s.Put(context.Background(), multiLayerImage(t), []string{"docker.io/vitro/multi:1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dirs := im.LayerDirs()
	lowers := make([]string, len(dirs)) // overlay wants the top layer first
	for i, d := range dirs {
		lowers[len(dirs)-1-i] = d
	}
	target := t.TempDir()
	cmd := reexec.Command("image-test-merged", append([]string{target}, lowers...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: unix.CLONE_NEWNS}
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("merged-view child: %v", err)
	}
	var seen []string
	if err := json.Unmarshal(out, &seen); err != nil {
		t.Fatalf("child said %q: %v", out, err)
	}
	sort.Strings(seen)
	want := "bin/busybox cfg/new data/hard data/keep"
	if got := strings.Join(seen, " "); got != want {
		t.Fatalf("merged view: %s\nwant: %s (data/gone deleted by a whiteout, cfg/old* hidden by the opaque dir)", got, want)
	}
}
