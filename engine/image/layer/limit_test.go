package layer

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// Without privileges: the size bound is checked from the header, before
// any data, and a file of zeros is written as a hole.
func TestUnpackBoundAndHoles(t *testing.T) {
	big := tarOf(t, file("big", strings.Repeat("A", 2<<20)))
	_, err := Unpack(context.Background(), bytes.NewReader(big), t.TempDir(), Options{MaxSize: 1 << 20})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "max-layer-size") {
		t.Errorf("2 MiB file, 1 MiB bound: %v, want ErrTooLarge naming max-layer-size", err)
	}
	zeros := make([]byte, 8<<20)
	copy(zeros[4<<20:], "x")
	dir := t.TempDir()
	res, err := Unpack(context.Background(), bytes.NewReader(tarOf(t, file("zeros", string(zeros)))), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Bytes != 8<<20 || res.Written != blockSize {
		t.Errorf("Bytes %d, Written %d: want %d and one block (%d)", res.Bytes, res.Written, 8<<20, blockSize)
	}
	var st unix.Stat_t
	if err := unix.Stat(filepath.Join(dir, "zeros"), &st); err != nil {
		t.Fatal(err)
	}
	if st.Size != 8<<20 || st.Blocks*512 > 64<<10 {
		t.Errorf("size %d, %d bytes on disk: want 8 MiB with holes", st.Size, st.Blocks*512)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "zeros")); !bytes.Equal(b, zeros) {
		t.Error("content differs from the tar's")
	}
}

func TestLimitStream(t *testing.T) {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(LimitStream(bytes.NewReader(make([]byte, 100)), 100)); err != nil {
		t.Errorf("exactly the bound: %v", err)
	}
	if _, err := buf.ReadFrom(LimitStream(bytes.NewReader(make([]byte, 101)), 100)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("one byte over: %v, want ErrTooLarge", err)
	}
}
