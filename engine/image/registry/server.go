package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	ggcr "github.com/google/go-containerregistry/pkg/registry"
	"github.com/vitro-dev/vitro/internal/fsutil"
	"github.com/vitro-dev/vitro/internal/trace"
)

// maxManifest bounds a manifest upload, as distribution does (4 MiB).
const maxManifest = 4 << 20

// New returns the registry handler with its state under root, replaying
// the manifests stored there. Requests are logged to logw (nil: discard).
func New(root string, logw io.Writer) (http.Handler, error) {
	for _, d := range []string{"blobs/sha256", "blobs/tmp", "manifests"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return nil, fmt.Errorf("registry root: %w", err)
		}
	}
	if logw == nil {
		logw = io.Discard
	}
	inner := ggcr.New(ggcr.WithBlobHandler(diskBlobs{dir: filepath.Join(root, "blobs")}),
		ggcr.Logger(log.New(logw, "registry: ", log.LstdFlags)))
	h := &persist{inner: inner, dir: filepath.Join(root, "manifests")}
	if err := h.replay(); err != nil {
		return nil, err
	}
	return h, nil
}

// persist saves every manifest the inner registry accepts and deletes
// the ones it deletes.
type persist struct {
	inner http.Handler
	dir   string
}

// stored is one manifest file.
type stored struct {
	MediaType string `json:"mediaType"`
	Manifest  []byte `json:"manifest"` // exact bytes: the digest depends on them
}

var manifestPath = regexp.MustCompile(`^/v2/(.+)/manifests/([A-Za-z0-9_.:-]+)$`)

func (p *persist) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := manifestPath.FindStringSubmatch(r.URL.Path)
	if m == nil || (r.Method != http.MethodPut && r.Method != http.MethodDelete) {
		p.inner.ServeHTTP(w, r)
		return
	}
	file, ok := p.file(m[1], m[2])
	if !ok {
		http.Error(w, "bad repository or reference", http.StatusBadRequest)
		return
	}
	var body []byte
	if r.Method == http.MethodPut {
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, maxManifest+1))
		if err != nil || len(body) > maxManifest {
			http.Error(w, "manifest unreadable or larger than 4 MiB", http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	rec := &statusWriter{ResponseWriter: w}
	p.inner.ServeHTTP(rec, r)
	if rec.status >= 300 {
		return
	}
	var err error
	if r.Method == http.MethodPut {
		b, _ := json.Marshal(stored{MediaType: r.Header.Get("Content-Type"), Manifest: body})
		err = writeAtomic(file, b)
	} else if err = os.Remove(file); errors.Is(err, os.ErrNotExist) {
		err = nil
	}
	if err != nil {
		trace.Action("registry: persisting manifest failed", trace.Str("file", file), trace.Str("error", err.Error()))
	}
}

// file maps repo and reference to a path under dir, refusing names that
// could leave it.
func (p *persist) file(repo, ref string) (string, bool) {
	for _, part := range strings.Split(repo, "/") {
		if part == "" || part == "." || part == ".." || strings.HasPrefix(part, ".") {
			return "", false
		}
	}
	if ref == "." || ref == ".." {
		return "", false
	}
	return filepath.Join(p.dir, filepath.FromSlash(repo), ref+".json"), true
}

// replay PUTs every stored manifest into the inner registry, digests
// before tags so an index finds its children.
func (p *persist) replay() error {
	var files []string
	err := filepath.WalkDir(p.dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".json") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		return err
	}
	for pass := 0; pass < 2; pass++ {
		for _, f := range files {
			isDigest := strings.HasPrefix(filepath.Base(f), "sha256:")
			if isDigest != (pass == 0) {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			var s stored
			if err := json.Unmarshal(b, &s); err != nil {
				return fmt.Errorf("registry manifest %s is damaged: %w (delete it)", f, err)
			}
			rel, _ := filepath.Rel(p.dir, f)
			repo, ref := filepath.ToSlash(filepath.Dir(rel)), strings.TrimSuffix(filepath.Base(rel), ".json")
			req := httptest.NewRequest(http.MethodPut, "/v2/"+repo+"/manifests/"+ref, bytes.NewReader(s.Manifest))
			req.Header.Set("Content-Type", s.MediaType)
			rec := httptest.NewRecorder()
			p.inner.ServeHTTP(rec, req)
			if rec.Code >= 300 {
				return fmt.Errorf("replaying %s: %d %s", f, rec.Code, rec.Body.String())
			}
		}
	}
	return nil
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func writeAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(path, b, 0o600)
}

// Serve listens on addr and serves the registry under root until ctx is
// done. ready, when not nil, is called with the address bound (useful
// with port 0).
func Serve(ctx context.Context, addr, root string, logw io.Writer, ready func(addr string)) error {
	h, err := New(root, logw)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("registry: listen on %s: %w", addr, err)
	}
	trace.Action("registry: listen", trace.Str("addr", ln.Addr().String()), trace.Str("root", root))
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second}
	if ready != nil {
		ready(ln.Addr().String())
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		return nil
	}
}
