package layer

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// entry is one tar entry of a test layer.
type entry struct {
	name, body, link string
	typ              byte
	mode             int64
	size             int64 // claimed size when not len(body)
	pax              map[string]string
}

func file(name, body string) entry     { return entry{name: name, body: body, typ: tar.TypeReg} }
func dir(name string) entry            { return entry{name: name, typ: tar.TypeDir, mode: 0o755} }
func symlink(name, to string) entry    { return entry{name: name, link: to, typ: tar.TypeSymlink} }
func hardlink(name, to string) entry   { return entry{name: name, link: to, typ: tar.TypeLink} }
func whiteout(name string) entry       { return entry{name: name, typ: tar.TypeReg} }
func device(name string, t byte) entry { return entry{name: name, typ: t, mode: 0o666} }

// tarOf writes entries as a tar. A claimed size larger than the body
// gives a truncated archive, as a broken or hostile writer would.
func tarOf(t testing.TB, es ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range es {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Linkname: e.link, Mode: e.mode, ModTime: time.Unix(1600000000, 0),
			Size: int64(len(e.body)), PAXRecords: e.pax, Format: tar.FormatPAX}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if e.typ != tar.TypeReg {
			h.Size = 0
		}
		if e.size > 0 {
			h.Size = e.size
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("writing %q: %v", e.name, err)
		}
		io.WriteString(tw, e.body)
		if e.size > int64(len(e.body)) {
			// Stop here: the archive ends inside this file's data.
			tw.Flush()
			return buf.Bytes()[:buf.Len()]
		}
	}
	tw.Close()
	return buf.Bytes()
}

// sandbox is a temp dir holding the layer dir and, beside it, "outside"
// with a file a hostile layer would like to overwrite or delete.
type sandbox struct {
	top, layer, outside string
}

func newSandbox(t testing.TB) sandbox {
	t.Helper()
	top := t.TempDir()
	sb := sandbox{top: top, layer: filepath.Join(top, "layer"), outside: filepath.Join(top, "outside")}
	for _, d := range []string{sb.layer, sb.outside} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(sb.outside, "secret"), []byte("secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return sb
}

// outsideState lists everything in top except the layer directory.
func (sb sandbox) outsideState(t testing.TB) string {
	t.Helper()
	var lines []string
	filepath.Walk(sb.top, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if p == sb.layer {
			return filepath.SkipDir
		}
		b, _ := os.ReadFile(p)
		lines = append(lines, p+" "+fi.Mode().String()+" "+string(b))
		return nil
	})
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// TestHostileLayers feeds broken and hostile layers to Unpack: each must
// fail with the expected error and leave everything outside the layer
// directory as it was.
func TestHostileLayers(t *testing.T) {
	cases := []struct {
		name    string
		entries []entry
		raw     []byte
		want    error  // errors.Is target, or nil to match text
		text    string // substring of the error
	}{
		{name: "dotdot", entries: []entry{file("../evil", "x")}, want: ErrEscape},
		{name: "dotdot deep", entries: []entry{file("a/b/../../../evil", "x")}, want: ErrEscape},
		{name: "dotdot dir", entries: []entry{dir("../evil/")}, want: ErrEscape},
		{name: "absolute", entries: []entry{file("/tmp/evil", "x")}, want: ErrAbsolute},
		{name: "symlink escape absolute", entries: []entry{symlink("l", "/"), file("l/tmp/evil", "x")}, want: ErrSymlinkPath},
		{name: "symlink escape relative", entries: []entry{symlink("l", "../outside"), file("l/secret", "pwned")}, want: ErrSymlinkPath},
		{name: "symlink to dotdot then dir", entries: []entry{symlink("up", ".."), dir("up/evil/")}, want: ErrSymlinkPath},
		{name: "symlink chain", entries: []entry{dir("a/"), symlink("a/b", "../../outside"), file("a/b/secret", "pwned")}, want: ErrSymlinkPath},
		{name: "hardlink outside", entries: []entry{hardlink("h", "../outside/secret")}, want: ErrHardlink},
		{name: "hardlink absolute", entries: []entry{hardlink("h", "/etc/passwd")}, want: ErrHardlink},
		{name: "hardlink through symlink", entries: []entry{symlink("d", "../outside"), hardlink("h", "d/secret")}, want: ErrHardlink},
		{name: "hardlink missing", entries: []entry{hardlink("h", "nothing")}, want: ErrHardlink},
		{name: "hardlink self", entries: []entry{file("f", "x"), hardlink("f", "f")}, want: ErrHardlink},
		{name: "hardlink to dir", entries: []entry{dir("d/"), hardlink("h", "d")}, want: ErrHardlink},
		{name: "whiteout outside", entries: []entry{whiteout("../outside/.wh.secret")}, want: ErrEscape},
		{name: "whiteout through symlink", entries: []entry{symlink("l", "../outside"), whiteout("l/.wh.secret")}, want: ErrSymlinkPath},
		{name: "opaque through symlink", entries: []entry{symlink("l", "../outside"), whiteout("l/.wh..wh..opq")}, want: ErrSymlinkPath},
		{name: "whiteout empty name", entries: []entry{whiteout("a/.wh.")}, want: ErrWhiteout},
		{name: "whiteout dotdot", entries: []entry{whiteout("a/.wh...")}, want: ErrWhiteout},
		{name: "char device", entries: []entry{device("dev/null", tar.TypeChar)}, want: ErrDevice},
		{name: "block device", entries: []entry{device("dev/sda", tar.TypeBlock)}, want: ErrDevice},
		{name: "truncated data", entries: []entry{file("big", "short"), {name: "big2", body: "abc", typ: tar.TypeReg, size: 4096}}, want: ErrSizeMismatch},
		{name: "empty symlink target", entries: []entry{symlink("s", "")}, text: "empty"},
		{name: "parent is a file", entries: []entry{file("f", "x"), file("f/g", "y")}, text: "not a directory"},
		{name: "not a tar", raw: []byte(strings.Repeat("this is not a tar archive\n", 40)), text: "reading layer tar"},
		{name: "unknown type", entries: []entry{{name: "x", typ: 'Q'}}, want: ErrType},
		{name: "file as the root", entries: []entry{file(".", "x")}, want: ErrType},
		{name: "symlink as the root", entries: []entry{symlink(".", "/")}, want: ErrType},
	}
	if len(cases) < 20 {
		t.Fatalf("corpus has %d cases; the issue asks for at least 20", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sb := newSandbox(t)
			before := sb.outsideState(t)
			data := c.raw
			if data == nil {
				data = tarOf(t, c.entries...)
			}
			_, err := Unpack(context.Background(), bytes.NewReader(data), sb.layer, Options{})
			if err == nil {
				t.Fatal("Unpack accepted a hostile layer")
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("error %q, want %v", err, c.want)
			}
			if c.text != "" && !strings.Contains(err.Error(), c.text) {
				t.Fatalf("error %q, want it to mention %q", err, c.text)
			}
			if after := sb.outsideState(t); after != before {
				t.Fatalf("the layer changed things outside its directory:\nbefore:\n%s\nafter:\n%s", before, after)
			}
			t.Logf("%v", err)
		})
	}
}

// A later entry replaces an earlier symlink instead of writing through it.
func TestReplaceSymlinkDoesNotFollow(t *testing.T) {
	sb := newSandbox(t)
	data := tarOf(t, symlink("f", "../outside/secret"), file("f", "mine\n"))
	if _, err := Unpack(context.Background(), bytes.NewReader(data), sb.layer, Options{}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(sb.outside, "secret")); string(b) != "secret\n" {
		t.Fatalf("outside/secret = %q: written through a symlink", b)
	}
	if b, _ := os.ReadFile(filepath.Join(sb.layer, "f")); string(b) != "mine\n" {
		t.Fatalf("f = %q", b)
	}
}

func TestCleanName(t *testing.T) {
	good := map[string]string{"a": "a", "./a/b/": "a/b", "./": ".", "a//b": "a/b", "a/./b": "a/b"}
	for in, want := range good {
		if got, err := CleanName(in); err != nil || got != want {
			t.Errorf("CleanName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "/", "/a", "..", "a/..", "a/../b", "../", "a\x00b"} {
		if got, err := CleanName(in); err == nil {
			t.Errorf("CleanName(%q) = %q, want an error", in, got)
		}
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		in     string
		kind   Kind
		target string
	}{
		{"a/b", Plain, "a/b"}, {"a/.wh.b", Deletion, "a/b"}, {".wh.x", Deletion, "x"},
		{"a/.wh..wh..opq", Opaque, "a"}, {".wh..wh..opq", Opaque, "."}, {"a/.wh..wh.plnk", Meta, "a/.wh..wh.plnk"},
	}
	for _, c := range cases {
		k, target, err := Classify(c.in)
		if err != nil || k != c.kind || target != c.target {
			t.Errorf("Classify(%q) = %v %q %v; want %v %q", c.in, k, target, err, c.kind, c.target)
		}
	}
}
