package engine

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/vitro-dev/vitro/engine/image"
)

// hostileImage stores, under name, the busybox image with one more layer
// holding the given symlinks (path in the image → link target; an empty
// target makes a directory instead). It is
// built here, in Go, as an attacker would build it: a layer is just a tar.
func hostileImage(t *testing.T, e *Engine, name string, links map[string]string) {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for p, target := range links {
		h := &tar.Header{Name: p, Typeflag: tar.TypeSymlink, Linkname: target, Mode: 0o777}
		if target == "" {
			h = &tar.Header{Name: p + "/", Typeflag: tar.TypeDir, Mode: 0o755}
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
	}
	tw.Close()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b.Bytes())), nil })
	if err != nil {
		t.Fatal(err)
	}
	bb, _ := BusyboxPath()
	base, err := image.BusyboxImage(bb)
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(base, layer)
	if err != nil {
		t.Fatal(err)
	}
	store, err := image.Open(e.Config.DataRoot)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Put(context.Background(), img, []string{"docker.io/library/" + name + ":latest"}, nil); err != nil {
		t.Fatal(err)
	}
}

// assertEmptyDir fails unless dir exists and holds nothing: the host
// directory an image pointed a symlink at must stay untouched.
func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("host directory %s: %v", dir, err)
	}
	if len(es) != 0 {
		var names []string
		for _, e := range es {
			names = append(names, e.Name())
		}
		t.Errorf("vitro created %v in the host directory %s, outside the container's root", names, dir)
	}
}

// Boundary break 4 of issue 14: an image whose /dev was a symlink to a
// host directory made vitro create fd, stdin, stdout, stderr, ptmx and
// core there. Every path vitro makes or mounts in a root is now resolved
// inside it (fsdemo/inroot_linux.go): the links land in the container, or
// the run is refused with a clear error; the host directory stays empty.
func TestHostileRootStaysInside(t *testing.T) {
	e := testEngine(t)
	host := t.TempDir() // what the image's links point at
	for _, tc := range []struct {
		name    string
		links   map[string]string
		opts    RunOptions
		wantErr string // "" when the run must succeed
		wantOut string
	}{
		{name: "devlink", links: map[string]string{"dev": filepath.Join(host, "dev")},
			wantErr: "is a symlink to"},
		// The same link to a directory the image has: /dev ends up there,
		// inside the root, with the links a /dev holds. (Never a real host
		// directory such as /tmp here: the code before the fix wrote there.)
		{name: "devinside", links: map[string]string{"dev": "/devhere", "devhere": ""},
			opts: RunOptions{Cmd: []string{"sh", "-c", "readlink /devhere/fd; test -c /dev/null && echo null-ok"}}, wantOut: "/proc/self/fd\nnull-ok"},
		{name: "proclink", links: map[string]string{"proc": filepath.Join(host, "proc")},
			wantErr: "proc must be mounted on a real directory"},
		{name: "syslink", links: map[string]string{"sys": "/etc"},
			wantErr: "sysfs must be mounted on a real directory"},
		{name: "volumelink", links: map[string]string{"data": filepath.Join(host, "data")},
			opts: RunOptions{Volumes: []string{t.TempDir() + ":/data"}}, wantErr: "is a symlink to"},
		{name: "workdirlink", links: map[string]string{"work": filepath.Join(host, "work")},
			opts: RunOptions{WorkingDir: "/work/app"}, wantErr: "working directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, d := range []string{"dev", "proc", "data", "work"} {
				os.Mkdir(filepath.Join(host, d), 0o755)
			}
			hostileImage(t, e, tc.name, tc.links)
			o := tc.opts
			o.Image, o.Remove, o.Network = tc.name, true, "none"
			if o.Cmd == nil {
				o.Cmd = []string{"true"}
			}
			out, stderr, err := runIn(t, e, o)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("run: %v (%s)", err, stderr)
			case tc.wantErr == "" && strings.TrimSpace(out) != tc.wantOut:
				t.Errorf("output %q, want %q", out, tc.wantOut)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("run: %v, want an error containing %q", err, tc.wantErr)
			case tc.wantErr != "" && exitCodeOf(err) != ExitVitroError:
				t.Errorf("status %d, want %d", exitCodeOf(err), ExitVitroError)
			}
			for _, d := range []string{"dev", "proc", "data", "work"} {
				assertEmptyDir(t, filepath.Join(host, d))
			}
			assertNothingLeft(t, e)
		})
	}
}

// A volume over /proc or /sys would undo the masks: refused, as by runc.
func TestVolumeOnKernelFSRefused(t *testing.T) {
	e := testEngine(t)
	for _, dst := range []string{"/proc", "/proc/sys", "/sys/fs/cgroup"} {
		_, _, err := runIn(t, e, RunOptions{Remove: true, Network: "none", Volumes: []string{t.TempDir() + ":" + dst}, Cmd: []string{"true"}})
		if err == nil || !strings.Contains(err.Error(), "cannot mount over") {
			t.Errorf("-v DIR:%s: %v, want a refusal", dst, err)
		}
	}
	assertNothingLeft(t, e)
}
