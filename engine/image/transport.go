package image

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/vitro-dev/vitro/internal/trace"
)

// tracingTransport records every HTTP request to a registry as a trace
// action: method, URL, status and the bytes of the response body, counted
// as they are read and reported when the body is closed.
type tracingTransport struct {
	next      http.RoundTripper
	allowHTTP func(host string) bool
}

// Transport wraps next (http.DefaultTransport when nil) so that each
// registry request is traced, and plain HTTP goes only to hosts allowHTTP
// accepts (nil: none). go-containerregistry itself would also speak plain
// HTTP to private (RFC 1918) addresses; docker does not, and neither do we.
func Transport(next http.RoundTripper, allowHTTP func(host string) bool) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &tracingTransport{next: next, allowHTTP: allowHTTP}
}

// ErrPlainHTTP: a request would have gone over plain HTTP to a registry
// that is neither loopback nor listed as insecure.
var ErrPlainHTTP = errors.New("plain HTTP refused")

func (t *tracingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" && (t.allowHTTP == nil || !t.allowHTTP(req.URL.Host)) {
		trace.Action("http refused", trace.Str("method", req.Method), trace.Str("url", req.URL.Redacted()))
		return nil, fmt.Errorf("%w to %s: add it to insecure-registries in the config if it has no TLS", ErrPlainHTTP, req.URL.Host)
	}
	resp, err := t.next.RoundTrip(req)
	if !trace.Enabled(trace.Steps) {
		return resp, err
	}
	if err != nil {
		trace.Action("http", trace.Str("method", req.Method), trace.Str("url", req.URL.Redacted()), trace.Str("error", err.Error()))
		return resp, err
	}
	resp.Body = &tracedBody{ReadCloser: resp.Body, method: req.Method, url: req.URL.Redacted(), status: resp.StatusCode}
	return resp, nil
}

type tracedBody struct {
	io.ReadCloser
	method, url string
	status      int
	n           int64
	once        sync.Once
}

func (b *tracedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	return n, err
}

func (b *tracedBody) Close() error {
	b.once.Do(func() {
		trace.Action("http", trace.Str("method", b.method), trace.Str("url", b.url),
			trace.Int("status", int64(b.status)), trace.Int("bytes", b.n))
	})
	return b.ReadCloser.Close()
}
