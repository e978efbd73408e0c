package image

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/vitro-dev/vitro/engine/image/registry"
	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/testenv"
)

func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}

// requireTool skips (or, under CI, fails) when a host tool is missing.
func requireTool(t testing.TB, path, pkg string) {
	t.Helper()
	testenv.RequireFile(t, path, pkg)
}

func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// startDistribution runs Debian's docker-registry (distribution) on a free
// loopback port with its storage in a temp dir, and kills it (by PID) when
// the test ends. It returns host:port.
func startDistribution(t testing.TB) string {
	t.Helper()
	requireTool(t, "/usr/bin/docker-registry", "docker-registry")
	dir := t.TempDir()
	for attempt := 0; attempt < 3; attempt++ {
		addr := freePort(t)
		cfg := fmt.Sprintf(`version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
`, filepath.Join(dir, "storage"), addr)
		cfgPath := filepath.Join(dir, "config.yml")
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		cmd := exec.Command("/usr/bin/docker-registry", "serve", cfgPath)
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pid := cmd.Process.Pid
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		t.Cleanup(func() {
			select {
			case <-exited:
			default:
				cmd.Process.Kill()
				<-exited
			}
		})
		if waitHTTP("http://"+addr+"/v2/", exited, 30*time.Second) {
			t.Logf("docker-registry pid %d on %s", pid, addr)
			return addr
		}
		t.Logf("docker-registry on %s did not come up (attempt %d): %s", addr, attempt+1, logs.String())
	}
	t.Fatal("docker-registry did not start")
	return ""
}

func waitHTTP(url string, exited chan struct{}, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return true
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// startVitroRegistry runs `vitro registry serve` in-process on a free
// loopback port over root.
func startVitroRegistry(t testing.TB, root string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- registry.Serve(ctx, "127.0.0.1:0", root, nil, func(a string) { ready <- a }) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case a := <-ready:
		return a
	case err := <-done:
		t.Fatal(err)
	}
	return ""
}

// tarEntry describes one entry of a test layer.
type tarEntry struct {
	name, body, link string
	typ              byte
	mode             int64
}

func layerTar(t testing.TB, entries ...tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Linkname: e.link, Mode: e.mode, Size: int64(len(e.body)),
			ModTime: time.Unix(1700000000, 0)}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if h.Typeflag != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			io.WriteString(tw, e.body)
		}
	}
	tw.Close()
	return buf.Bytes()
}

func layerOf(t testing.TB, b []byte) v1.Layer {
	t.Helper()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil },
		tarball.WithMediaType(types.OCILayer))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// multiLayerImage is busybox plus two layers: the first adds files and a
// directory, the second deletes one file (whiteout) and replaces the
// directory's content (opaque).
func multiLayerImage(t testing.TB) v1.Image {
	t.Helper()
	requireBusybox(t)
	base, err := BusyboxImage(DefaultBusybox)
	if err != nil {
		t.Fatal(err)
	}
	l1 := layerTar(t,
		tarEntry{name: "data/", typ: tar.TypeDir, mode: 0o755},
		tarEntry{name: "data/keep", body: "kept\n"},
		tarEntry{name: "data/gone", body: "deleted later\n"},
		tarEntry{name: "cfg/", typ: tar.TypeDir, mode: 0o755},
		tarEntry{name: "cfg/old1", body: "old\n"},
		tarEntry{name: "cfg/old2", body: "old\n"},
		tarEntry{name: "data/hard", typ: tar.TypeLink, link: "data/keep"},
	)
	l2 := layerTar(t,
		tarEntry{name: "data/.wh.gone"},
		tarEntry{name: "cfg/", typ: tar.TypeDir, mode: 0o755},
		tarEntry{name: "cfg/.wh..wh..opq"},
		tarEntry{name: "cfg/new", body: "new\n"},
		tarEntry{name: "setuid", body: "#!/bin/sh\n", mode: 0o4755},
	)
	img, err := mutate.AppendLayers(base, layerOf(t, l1), layerOf(t, l2))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func openStore(t testing.TB) *Store {
	t.Helper()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}
