package layer

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/vitro-dev/vitro/internal/testenv"
	"golang.org/x/sys/unix"
)

func TestUnpackKeepsMetadataAndConvertsWhiteouts(t *testing.T) {
	testenv.RequirePrivileged(t)
	sb := newSandbox(t)
	owned := file("etc/owned", "x")
	data := tarOf(t,
		dir("etc/"), owned, file("etc/.wh.gone", ""), dir("var/"), whiteout("var/.wh..wh..opq"),
		entry{name: "bin/su", body: "#!", typ: tar.TypeReg, mode: 0o4755},
		entry{name: "tmp/", typ: tar.TypeDir, mode: 0o1777},
		entry{name: "etc/attr", body: "a", typ: tar.TypeReg, pax: map[string]string{
			"SCHILY.xattr.user.note": "hello", "SCHILY.xattr.trusted.overlay.opaque": "y"}},
		symlink("etc/link", "/nowhere"), hardlink("etc/hard", "etc/owned"),
		entry{name: "run/fifo", typ: tar.TypeFifo, mode: 0o600},
	)
	// Ownership: rewrite one header's uid/gid.
	data = chownEntry(t, data, "etc/owned", 1234, 5678)
	res, err := Unpack(context.Background(), bytes.NewReader(data), sb.layer, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Whiteouts != 1 || res.Opaques != 1 || res.Hardlinks != 1 || res.Symlinks != 1 {
		t.Fatalf("result %+v", res)
	}
	var st unix.Stat_t
	must(t, unix.Lstat(filepath.Join(sb.layer, "etc/gone"), &st))
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != 0 {
		t.Fatalf("etc/gone mode %o rdev %d: not a whiteout", st.Mode, st.Rdev)
	}
	buf := make([]byte, 16)
	n, err := unix.Lgetxattr(filepath.Join(sb.layer, "var"), "trusted.overlay.opaque", buf)
	if err != nil || string(buf[:n]) != "y" {
		t.Fatalf("var opaque = %q %v", buf[:n], err)
	}
	if _, err := unix.Lgetxattr(filepath.Join(sb.layer, "etc/attr"), "trusted.overlay.opaque", buf); err == nil {
		t.Fatal("a layer's own trusted.overlay xattr was applied")
	}
	n, err = unix.Lgetxattr(filepath.Join(sb.layer, "etc/attr"), "user.note", buf)
	if err != nil && !errors.Is(err, unix.ENOTSUP) {
		t.Fatal(err)
	} else if err == nil && string(buf[:n]) != "hello" {
		t.Fatalf("user.note = %q", buf[:n])
	}
	must(t, unix.Lstat(filepath.Join(sb.layer, "etc/owned"), &st))
	if st.Uid != 1234 || st.Gid != 5678 {
		t.Fatalf("etc/owned owner %d:%d, want 1234:5678", st.Uid, st.Gid)
	}
	if time.Unix(st.Mtim.Unix()).Unix() != 1600000000 {
		t.Fatalf("etc/owned mtime %d", st.Mtim.Sec)
	}
	must(t, unix.Lstat(filepath.Join(sb.layer, "etc"), &st))
	if st.Mtim.Sec != 1600000000 {
		t.Fatalf("etc mtime %d: directory times must be set after their contents", st.Mtim.Sec)
	}
	fi, _ := os.Stat(filepath.Join(sb.layer, "bin/su"))
	if fi.Mode()&os.ModeSetuid == 0 {
		t.Fatalf("bin/su mode %v lost setuid", fi.Mode())
	}
	fi, _ = os.Stat(filepath.Join(sb.layer, "tmp"))
	if fi.Mode()&os.ModeSticky == 0 {
		t.Fatalf("tmp mode %v lost sticky", fi.Mode())
	}
	fi, _ = os.Lstat(filepath.Join(sb.layer, "run/fifo"))
	if fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("run/fifo mode %v", fi.Mode())
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// chownEntry rewrites the archive with name's owner changed.
func chownEntry(t *testing.T, data []byte, name string, uid, gid int) []byte {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(data))
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		if h.Name == name {
			h.Uid, h.Gid = uid, gid
		}
		tw.WriteHeader(h)
		var b bytes.Buffer
		b.ReadFrom(tr)
		tw.Write(b.Bytes())
	}
	tw.Close()
	return out.Bytes()
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

func digestOf(b []byte) string { return fmt.Sprintf("sha256:%x", sha256.Sum256(b)) }

func TestApplyChecksDigests(t *testing.T) {
	plain := tarOf(t, file("a", "hello"))
	blob := gz(plain)
	good := Digests{Digest: digestOf(blob), DiffID: digestOf(plain)}
	cases := []struct {
		name string
		blob []byte
		want Digests
		err  error
		text string
	}{
		{name: "good", blob: blob, want: good},
		{name: "plain tar", blob: plain, want: Digests{Digest: digestOf(plain), DiffID: digestOf(plain)}},
		{name: "wrong digest", blob: blob, want: Digests{Digest: digestOf([]byte("other")), DiffID: good.DiffID}, err: ErrDigest},
		{name: "wrong diffID", blob: blob, want: Digests{Digest: good.Digest, DiffID: digestOf([]byte("other"))}, err: ErrDiffID},
		{name: "truncated gzip", blob: blob[:len(blob)/2], want: good, text: "unexpected EOF"},
		{name: "gzip garbage", blob: append([]byte{0x1f, 0x8b}, bytes.Repeat([]byte{0xff}, 64)...), want: good, text: "gzip"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sb := newSandbox(t)
			_, got, err := Apply(context.Background(), bytes.NewReader(c.blob), c.want, sb.layer, Options{})
			switch {
			case c.err == nil && c.text == "":
				if err != nil || got != c.want {
					t.Fatalf("Apply = %+v, %v", got, err)
				}
			case c.err != nil && !errors.Is(err, c.err), c.text != "" && (err == nil || !bytes.Contains([]byte(err.Error()), []byte(c.text))):
				t.Fatalf("error %v, want %v %q", err, c.err, c.text)
			}
		})
	}
}
