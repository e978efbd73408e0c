package image

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/gzip"
	"github.com/vitro-dev/vitro/engine/image/layer"
	"github.com/vitro-dev/vitro/internal/testenv"
	"golang.org/x/sys/unix"
)

// tmpfsDataRoot mounts a tmpfs of size bytes as a data root, unmounted
// when the test ends: a small disk the test may fill.
func tmpfsDataRoot(t *testing.T, size int64) string {
	t.Helper()
	testenv.RequirePrivileged(t)
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, fmt.Sprintf("size=%d", size)); err != nil {
		t.Fatalf("mount tmpfs on %s: %v", dir, err)
	}
	t.Cleanup(func() { unix.Unmount(dir, unix.MNT_DETACH) })
	return dir
}

func freeBytes(t *testing.T, dir string) int64 {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return int64(st.Bavail) * st.Bsize
}

// fragment is a run of data in a sparse file.
type fragment struct {
	off  int64
	data string
}

// sparseTar is a layer holding one file of apparent size realSize whose
// only data are frags, in the PAX sparse format 1.0 that GNU tar writes
// (tar --sparse --format=posix): a PAX header naming the file and its
// real size, then an entry whose data start with the map of fragments.
// archive/tar reads this format but cannot write it, so the bytes are
// laid out here: the PAX header is written as a regular file and its type
// byte patched to 'x' afterwards.
func sparseTar(t testing.TB, name string, realSize int64, frags []fragment) []byte {
	t.Helper()
	var recs bytes.Buffer
	for _, kv := range [][2]string{{"GNU.sparse.major", "1"}, {"GNU.sparse.minor", "0"}, {"GNU.sparse.name", name},
		{"GNU.sparse.realsize", strconv.FormatInt(realSize, 10)}} {
		rec := " " + kv[0] + "=" + kv[1] + "\n"
		n := len(rec) + 1
		for len(strconv.Itoa(n))+len(rec) != n {
			n++
		}
		recs.WriteString(strconv.Itoa(n) + rec)
	}
	sparseMap := strconv.Itoa(len(frags)) + "\n"
	var data bytes.Buffer
	for _, f := range frags {
		sparseMap += fmt.Sprintf("%d\n%d\n", f.off, len(f.data))
		data.WriteString(f.data)
	}
	for len(sparseMap)%512 != 0 {
		sparseMap += "\x00"
	}
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	tw.WriteHeader(&tar.Header{Name: "PaxHeaders.0/" + name, Typeflag: tar.TypeReg, Size: int64(recs.Len()), Mode: 0o644, Format: tar.FormatUSTAR})
	tw.Write(recs.Bytes())
	tw.Flush()
	hdr := b.Bytes()[:512]
	hdr[156] = tar.TypeXHeader
	copy(hdr[148:156], "        ")
	sum := 0
	for _, c := range hdr {
		sum += int(c)
	}
	copy(hdr[148:156], fmt.Sprintf("%06o\x00 ", sum))
	tw.WriteHeader(&tar.Header{Name: "GNUSparseFile.0/" + name, Typeflag: tar.TypeReg, Size: int64(len(sparseMap) + data.Len()), Mode: 0o644, Format: tar.FormatUSTAR})
	tw.Write([]byte(sparseMap))
	tw.Write(data.Bytes())
	tw.Close()
	return b.Bytes()
}

// zeroBomb is a gzip of a tar whose one file claims size bytes, followed
// by that many zeros: built from one deflate segment for 1 MiB of zeros,
// repeated, so the test need not compress gigabytes. The segment is
// byte-aligned (a Flush ends it) and refers only to the zeros before it,
// so any number of copies is a valid deflate stream. The gzip trailer's
// CRC is not that of the content: no reader gets that far.
func zeroBomb(t testing.TB, size int64) []byte {
	t.Helper()
	var hdr bytes.Buffer
	tw := tar.NewWriter(&hdr)
	tw.WriteHeader(&tar.Header{Name: "bomb", Typeflag: tar.TypeReg, Size: size, Mode: 0o644})
	var out bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&out, gzip.BestCompression)
	zw.Write(hdr.Bytes())
	zw.Write(make([]byte, 64<<10))
	zw.Flush()
	mark := out.Len()
	zw.Write(make([]byte, 1<<20))
	zw.Flush()
	seg := append([]byte(nil), out.Bytes()[mark:]...)
	for n := int64(1 << 20); n+64<<10 < size; n += 1 << 20 {
		out.Write(seg)
	}
	zw.Close()
	return out.Bytes()
}

// blobLayer is a gzip layer given as bytes, with the diffID it claims: a
// hostile image's config can claim anything, and computing the real one
// would mean inflating the bomb.
type blobLayer struct {
	blob   []byte
	diffID v1.Hash
}

func newBlobLayer(blob []byte, plain []byte) blobLayer {
	d := sha256.Sum256(plain)
	return blobLayer{blob: blob, diffID: v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%x", d)}}
}

func (l blobLayer) Digest() (v1.Hash, error) {
	d := sha256.Sum256(l.blob)
	return v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%x", d)}, nil
}
func (l blobLayer) DiffID() (v1.Hash, error) { return l.diffID, nil }
func (l blobLayer) Compressed() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(l.blob)), nil
}
func (l blobLayer) Uncompressed() (io.ReadCloser, error) {
	return gzip.NewReader(bytes.NewReader(l.blob))
}
func (l blobLayer) Size() (int64, error)                { return int64(len(l.blob)), nil }
func (l blobLayer) MediaType() (types.MediaType, error) { return types.OCILayer, nil }

func putLayer(t *testing.T, s *Store, l v1.Layer, name string) error {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image, l)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Put(context.Background(), img, []string{"docker.io/library/" + name + ":latest"}, nil)
	return err
}

// assertNoLayerLeft checks that a refused layer left nothing: no
// unpacked or half-unpacked layer, no blob, no temp file, and the space
// it took is free again.
func assertNoLayerLeft(t *testing.T, root string, free0 int64) {
	t.Helper()
	for _, d := range []string{"layers/sha256", "layers/tmp", "images/tmp", "images/blobs/sha256"} {
		es, _ := os.ReadDir(filepath.Join(root, d))
		if len(es) != 0 {
			t.Errorf("%s holds %d entries after the refusal (first %s)", d, len(es), es[0].Name())
		}
	}
	if free := freeBytes(t, root); free < free0-(256<<10) {
		t.Errorf("%d bytes free after the refusal, %d before", free, free0)
	}
}

// Issue 14, disk exhaustion: a 2 MB image holding a 1 TB sparse file and
// an 11 MB gzip that inflates to 10 GiB were unpacked in full until the
// disk was full. On a 64 MiB data root, each hostile layer is now refused
// with a clear error before the disk fills, and leaves nothing behind.
func TestHostileLayersRefused(t *testing.T) {
	root := tmpfsDataRoot(t, 64<<20)
	plain := func(b []byte) blobLayer { return newBlobLayer(gzipped(b), b) }
	aaaa := layerTar(t, tarEntry{name: "aaaa", body: string(bytes.Repeat([]byte("A"), 128<<20))})
	trailing := append(layerTar(t, tarEntry{name: "small", body: "x"}), make([]byte, 128<<20)...)
	for _, tc := range []struct {
		name    string
		l       v1.Layer
		max     int64 // max-layer-size; 0 for the default
		want    error
		wantMsg string
	}{
		{"sparse-1TiB", plain(sparseTar(t, "big", 1<<40, []fragment{{0, "head"}, {1<<40 - 4, "tail"}})), 0, layer.ErrTooLarge, `"big" would bring its files to 1099511627776 bytes, over the limit of 8GiB`},
		{"gzip-bomb-10GiB", newBlobLayer(zeroBomb(t, 10<<30), nil), 0, layer.ErrTooLarge, "over the limit of 8GiB (max-layer-size in config.json"},
		// Under the size limit but over the free space: stopped by the
		// statfs check, not by ENOSPC, with a margin still free.
		{"128MiB-of-A", plain(aaaa), 0, layer.ErrNoSpace, "would leave less than"},
		{"128MiB-of-A-limited", plain(aaaa), 32 << 20, layer.ErrTooLarge, "over the limit of 32MiB"},
		// Zeros after the tar's end are inflated for the digest: bounded too.
		{"zeros-after-tar", plain(trailing), 64 << 20, layer.ErrTooLarge, "the uncompressed layer is larger"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts []Option
			if tc.max != 0 {
				opts = append(opts, WithMaxLayerSize(tc.max))
			}
			s, err := Open(root, opts...)
			if err != nil {
				t.Fatal(err)
			}
			free0 := freeBytes(t, root)
			err = putLayer(t, s, tc.l, tc.name)
			if !errors.Is(err, tc.want) || !bytes.Contains([]byte(fmt.Sprint(err)), []byte(tc.wantMsg)) {
				t.Errorf("Put = %v, want %v containing %q", err, tc.want, tc.wantMsg)
			}
			if errors.Is(err, unix.ENOSPC) {
				t.Error("the disk filled up (ENOSPC) before vitro stopped")
			}
			assertNoLayerLeft(t, root, free0)
		})
	}
}

// The legitimate case beside the attack: a sparse file larger than the
// whole data root unpacks, and stays sparse; so does a dense file of
// zeros. st_blocks counts what is really stored.
func TestSparseLayerStaysSparse(t *testing.T) {
	root := tmpfsDataRoot(t, 64<<20)
	s, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	const size = 1 << 30 // sixteen times the data root
	sp := sparseTar(t, "sparse", size, []fragment{{0, "head"}, {512 << 20, "middle"}, {size - 4, "tail"}})
	dense := make([]byte, 32<<20)
	copy(dense[16<<20:], "x")
	b := append(sp[:len(sp)-1024], layerTar(t, tarEntry{name: "dense", body: string(dense)})...)
	if err := putLayer(t, s, newBlobLayer(gzipped(b), b), "sparse"); err != nil {
		t.Fatal(err)
	}
	dir, err := s.LayerDir(newBlobLayer(nil, b).diffID.String())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		name    string
		size    int64
		maxDisk int64
		at      map[int64]string
	}{
		{"sparse", size, 64 << 10, map[int64]string{0: "head", 512 << 20: "middle", size - 4: "tail", 4096: "\x00\x00"}},
		{"dense", 32 << 20, 64 << 10, map[int64]string{16 << 20: "x"}},
	} {
		p := filepath.Join(dir, f.name)
		var st unix.Stat_t
		if err := unix.Stat(p, &st); err != nil {
			t.Fatal(err)
		}
		if st.Size != f.size || st.Blocks*512 > f.maxDisk {
			t.Errorf("%s: size %d, %d bytes on disk; want size %d and at most %d on disk", f.name, st.Size, st.Blocks*512, f.size, f.maxDisk)
		}
		fh, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		for off, want := range f.at {
			got := make([]byte, len(want))
			fh.ReadAt(got, off)
			if string(got) != want {
				t.Errorf("%s at %d: %q, want %q", f.name, off, got, want)
			}
		}
		fh.Close()
	}
}
