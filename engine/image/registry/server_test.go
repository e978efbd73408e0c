package registry

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func serve(t *testing.T, root string) string {
	t.Helper()
	h, err := New(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func TestPushSurvivesRestart(t *testing.T) {
	root := t.TempDir()
	img, err := random.Image(1024, 2)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := name.ParseReference(serve(t, root)+"/class/app:1", name.Insecure)
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	want, _ := img.Digest()
	// A new handler over the same root: what a restarted server sees.
	ref2, _ := name.ParseReference(serve(t, root)+"/class/app:1", name.Insecure)
	desc, err := remote.Get(ref2)
	if err != nil {
		t.Fatal(err)
	}
	if desc.Digest != want {
		t.Fatalf("after restart: %s, pushed %s", desc.Digest, want)
	}
	got, err := desc.Image()
	if err != nil {
		t.Fatal(err)
	}
	layers, _ := got.Layers()
	for _, l := range layers {
		rc, err := l.Compressed()
		if err != nil {
			t.Fatal(err)
		}
		rc.Close()
	}
	if es, _ := os.ReadDir(filepath.Join(root, "blobs", "tmp")); len(es) != 0 {
		t.Fatalf("upload leftovers: %v", es)
	}
}

func TestBadUploads(t *testing.T) {
	root := t.TempDir()
	addr := serve(t, root)
	// A monolithic upload whose bytes do not match the digest it claims.
	url := "http://" + addr + "/v2/x/blobs/uploads/?digest=sha256:" + strings.Repeat("0", 64)
	resp, err := http.Post(url, "application/octet-stream", strings.NewReader("not that"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode < 400 {
		t.Fatalf("mismatched blob upload: status %d", resp.StatusCode)
	}
	if es, _ := os.ReadDir(filepath.Join(root, "blobs", "sha256")); len(es) != 0 {
		t.Fatalf("a mismatched blob was stored: %v", es)
	}
	// Repository names that would leave the manifests directory.
	for _, repo := range []string{"..", "a/../..", ".hidden"} {
		req, _ := http.NewRequest(http.MethodPut, "http://"+addr+"/v2/"+repo+"/manifests/x", strings.NewReader("{}"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Fatalf("PUT manifest for repo %q: status %d", repo, resp.StatusCode)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "x.json")); err == nil {
		t.Fatal("a manifest was written outside manifests/")
	}
}
