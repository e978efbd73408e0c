package layer

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Errors from Apply's checks.
var (
	ErrDigest = errors.New("layer digest mismatch")
	ErrDiffID = errors.New("layer diffID mismatch")
)

// Digests are the two names of one layer: Digest names the blob as
// stored and sent (usually gzip), DiffID names the uncompressed tar, as
// listed in the image config's rootfs.diff_ids. Both are "sha256:<hex>".
type Digests struct {
	Digest string
	DiffID string
}

// Apply unpacks a layer blob (gzip, zstd or plain tar, told by its first
// bytes) into dir, hashing as it reads, and fails unless both the blob's
// digest and the tar's diffID match want. An empty field is not checked.
// The whole input is read, also past the tar's end, so the digests cover
// every byte.
func Apply(ctx context.Context, r io.Reader, want Digests, dir string, opt Options) (Result, Digests, error) {
	var got Digests
	hc := sha256.New()
	br := bufio.NewReaderSize(io.TeeReader(r, hc), 64<<10)
	plain, closeFn, err := decompress(br)
	if err != nil {
		return Result{}, got, err
	}
	defer closeFn()
	hu := sha256.New()
	// Bounded here too: what follows the tar's end is read (and inflated)
	// for the digest, and a gzip bomb can hide there.
	tee := io.TeeReader(LimitStream(plain, opt.maxSize()), hu)
	res, err := Unpack(ctx, tee, dir, opt)
	if err != nil {
		return res, got, err
	}
	if _, err := io.Copy(io.Discard, tee); err != nil {
		return res, got, fmt.Errorf("reading layer past the tar's end: %w", err)
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return res, got, fmt.Errorf("reading layer blob: %w", err)
	}
	got = Digests{Digest: sum(hc), DiffID: sum(hu)}
	if want.Digest != "" && want.Digest != got.Digest {
		return res, got, fmt.Errorf("%w: the manifest says %s, the blob is %s", ErrDigest, want.Digest, got.Digest)
	}
	if want.DiffID != "" && want.DiffID != got.DiffID {
		return res, got, fmt.Errorf("%w: the config says %s, the uncompressed tar is %s", ErrDiffID, want.DiffID, got.DiffID)
	}
	return res, got, nil
}

func sum(h hash.Hash) string { return fmt.Sprintf("sha256:%x", h.Sum(nil)) }

var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// decompress picks a decompressor by the stream's magic number.
func decompress(br *bufio.Reader) (io.Reader, func(), error) {
	head, err := br.Peek(4)
	if err != nil && err != io.EOF {
		return nil, nil, fmt.Errorf("reading layer: %w", err)
	}
	switch {
	case bytes.HasPrefix(head, gzipMagic):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("layer is not valid gzip: %w", err)
		}
		return zr, func() { zr.Close() }, nil
	case bytes.HasPrefix(head, zstdMagic):
		zr, err := zstd.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("layer is not valid zstd: %w", err)
		}
		return zr, zr.Close, nil
	}
	return br, func() {}, nil
}
