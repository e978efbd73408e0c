package vm

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
)

type cpioEntry struct {
	name         string
	mode         uint32
	rmaj, rmin   uint32
	data         string
	nlink, inode uint32
}

// readCpio is an independent newc reader, as the kernel's
// init/initramfs.c parses: header, name, pad to 4, data, pad to 4.
func readCpio(t *testing.T, b []byte) []cpioEntry {
	t.Helper()
	var out []cpioEntry
	off := 0
	pad := func() { off = (off + 3) &^ 3 }
	for {
		if off+110 > len(b) {
			t.Fatalf("truncated header at %d", off)
		}
		h := string(b[off : off+110])
		if h[:6] != "070701" {
			t.Fatalf("bad magic %q at %d", h[:6], off)
		}
		field := func(i int) uint32 {
			v, err := strconv.ParseUint(h[6+8*i:14+8*i], 16, 32)
			if err != nil {
				t.Fatalf("field %d: %v", i, err)
			}
			return uint32(v)
		}
		size, namesize := field(6), field(11)
		off += 110
		name := string(b[off : off+int(namesize)])
		if !strings.HasSuffix(name, "\x00") {
			t.Fatalf("name %q not NUL-terminated", name)
		}
		name = strings.TrimSuffix(name, "\x00")
		off += int(namesize)
		pad()
		data := string(b[off : off+int(size)])
		off += int(size)
		pad()
		if name == "TRAILER!!!" {
			if off != len(b) {
				t.Fatalf("%d bytes after the trailer", len(b)-off)
			}
			return out
		}
		out = append(out, cpioEntry{name: name, mode: field(1), nlink: field(4), rmaj: field(9), rmin: field(10), data: data, inode: field(0)})
	}
}

func TestCpioRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	c := NewCpioWriter(&buf)
	steps := []error{
		c.Dir("/bin", 0o755),
		c.File("bin/hello", 0o755, 5, strings.NewReader("hello")),
		c.Symlink("/bin/sh", "hello"),
		c.CharDev("/dev/console", 0o600, 5, 1),
		c.File("/empty", 0o644, 0, strings.NewReader("")),
		c.File("/odd", 0o644, 3, strings.NewReader("abc")),
		c.Close(),
	}
	for i, err := range steps {
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	if buf.Len()%4 != 0 {
		t.Errorf("archive length %d is not a multiple of 4", buf.Len())
	}
	got := readCpio(t, buf.Bytes())
	want := []cpioEntry{
		{name: "bin", mode: 0o040755, nlink: 2, inode: 1},
		{name: "bin/hello", mode: 0o100755, data: "hello", nlink: 1, inode: 2},
		{name: "bin/sh", mode: 0o120777, data: "hello", nlink: 1, inode: 3},
		{name: "dev/console", mode: 0o020600, rmaj: 5, rmin: 1, nlink: 1, inode: 4},
		{name: "empty", mode: 0o100644, nlink: 1, inode: 5},
		{name: "odd", mode: 0o100644, data: "abc", nlink: 1, inode: 6},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("entries:\n got %v\nwant %v", got, want)
	}
}

func TestCpioShortReader(t *testing.T) {
	c := NewCpioWriter(io.Discard)
	err := c.File("/f", 0o644, 10, strings.NewReader("short"))
	if err == nil || !strings.Contains(err.Error(), "/f") && !strings.Contains(err.Error(), "f:") {
		t.Fatalf("short data: got %v, want an error naming the file", err)
	}
	if c.Close() == nil {
		t.Error("Close after a failed entry must keep failing")
	}
}

func TestCpioBadName(t *testing.T) {
	c := NewCpioWriter(io.Discard)
	if err := c.Dir("/", 0o755); err == nil {
		t.Error("empty name accepted")
	}
}
