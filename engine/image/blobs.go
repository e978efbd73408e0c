package image

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrBlobMismatch: a blob's bytes do not hash to the digest that names it.
var ErrBlobMismatch = errors.New("blob does not match its digest")

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

func (s *Store) hasBlob(digest string) bool {
	p, err := s.blobPath(digest)
	return err == nil && exists(p)
}

// readBlob reads a small blob (a manifest or a config) whole.
func (s *Store) readBlob(digest string) ([]byte, error) {
	p, err := s.blobPath(digest)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("blob %s is missing from %s: the store is incomplete (vitro image prune, then pull again): %w", digest, s.dir, err)
	}
	return b, err
}

// writeBlob copies r into blobs/sha256/<hex> through tmp/, checking that
// the bytes hash to digest and, when size >= 0, that there are size of
// them. An existing blob is kept (r is not read).
func (s *Store) writeBlob(r io.Reader, digest string, size int64) error {
	p, err := s.blobPath(digest)
	if err != nil {
		return err
	}
	if exists(p) {
		return nil
	}
	return s.commitTemp(p, func(w io.Writer) error {
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(w, h), r)
		if err != nil {
			return err
		}
		return checkBlob(digest, fmt.Sprintf("sha256:%x", h.Sum(nil)), size, n)
	})
}

func checkBlob(want, got string, wantSize, gotSize int64) error {
	if want != got {
		return fmt.Errorf("%w: want %s, got %s", ErrBlobMismatch, want, got)
	}
	if wantSize >= 0 && wantSize != gotSize {
		return fmt.Errorf("%w: %s: the manifest says %d bytes, got %d", ErrBlobMismatch, want, wantSize, gotSize)
	}
	return nil
}
