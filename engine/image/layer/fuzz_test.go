package layer

import (
	"archive/tar"
	"bytes"
	"context"
	"testing"
)

// FuzzUnpack feeds arbitrary bytes to Unpack: whatever it does with them,
// it must not panic and must not touch anything outside the layer
// directory. Run it with: go test -fuzz FuzzUnpack ./engine/image/layer
func FuzzUnpack(f *testing.F) {
	f.Add(tarOf(f, dir("a/"), file("a/b", "x"), symlink("a/l", "../.."), hardlink("a/h", "a/b")))
	f.Add(tarOf(f, symlink("l", "../outside"), file("l/secret", "pwned")))
	f.Add(tarOf(f, file("../evil", "x")))
	f.Add(tarOf(f, dir("d/"), whiteout("d/.wh..wh..opq"), whiteout("d/.wh.x")))
	f.Add(tarOf(f, symlink("f", "../outside/secret"), file("f", "mine")))
	f.Add(tarOf(f, device("dev/null", tar.TypeChar)))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		sb := newSandbox(t)
		before := sb.outsideState(t)
		Unpack(context.Background(), bytes.NewReader(data), sb.layer, Options{})
		if after := sb.outsideState(t); after != before {
			t.Fatalf("input changed things outside the layer directory:\nbefore:\n%s\nafter:\n%s", before, after)
		}
	})
}
