package image

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/vitro-dev/vitro/internal/testenv"
	"github.com/vitro-dev/vitro/internal/trace"
)

// recorder keeps the events a trace records.
type recorder struct{ events []trace.Event }

func (r *recorder) Emit(e *trace.Event) { r.events = append(r.events, *e) }
func (r *recorder) Close() error        { return nil }

// A traced pull records every HTTP request with its method, URL, status
// and body size, and each layer it unpacks.
func TestPullIsTraced(t *testing.T) {
	testenv.RequirePrivileged(t)
	addr := startVitroRegistry(t, t.TempDir())
	src, _ := bootstrapStore(t)
	if _, err := src.Push(context.Background(), "busybox", addr+"/t/busybox:1", RemoteOptions{}); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	old := trace.SetDefault(trace.New(trace.Kernel, rec))
	defer trace.SetDefault(old)
	s := openStore(t)
	im, err := s.Pull(context.Background(), addr+"/t/busybox:1", RemoteOptions{}, nil)
	trace.SetDefault(old)
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	sink := trace.NewSink(trace.Format("text"), &text)
	var blobGET, unpacked bool
	for i := range rec.events {
		e := &rec.events[i]
		sink.Emit(e)
		f := map[string]string{}
		for _, fl := range e.Fields {
			f[fl.Key] = fl.Value()
		}
		if e.Name == "http" && f["method"] == "GET" && strings.Contains(f["url"], "/blobs/"+im.Layers[0].Digest) && f["status"] == "200" && f["bytes"] != "0" {
			blobGET = true
		}
		if e.Name == "unpack layer" && f["diffID"] == im.Layers[0].DiffID {
			unpacked = true
		}
	}
	if !blobGET || !unpacked {
		t.Fatalf("trace lacks the layer's GET (%v) or its unpacking (%v):\n%s", blobGET, unpacked, text.String())
	}
}
