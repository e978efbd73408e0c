package layer

import (
	"bytes"
	"fmt"
	"io"
	"os"

	units "github.com/docker/go-units"
	"github.com/vitro-dev/vitro/internal/trace"
	"golang.org/x/sys/unix"
)

// spaceGuard stops an unpack before the filesystem it writes to is full:
// a full data root breaks every other container and command on it. It
// asks statfs(2) how much is free and keeps a margin free: 5% of the
// filesystem, at least 1 MiB and at most 256 MiB. To stay cheap it asks
// again only after 64 MiB or when the last answer runs out; someone
// else filling the disk meanwhile still gets ENOSPC from write(2), which
// fails the unpack the same way.
type spaceGuard struct {
	dir     string
	budget  int64 // bytes that may be written before the next statfs
	entries int   // entries made since the last inode check
	written int64
}

const (
	spaceRecheck = 64 << 20
	inodeRecheck = 256
)

// statfs returns the bytes and inodes free for unprivileged writers
// above the margin (inodes are unlimited, -1, on filesystems that do not
// count them).
func (g *spaceGuard) statfs() (bytesOver int64, inodesOver int64, keep int64, err error) {
	var st unix.Statfs_t
	if err := unix.Statfs(g.dir, &st); err != nil {
		return 0, 0, 0, &os.PathError{Op: "statfs", Path: g.dir, Err: err}
	}
	total := int64(st.Blocks) * st.Bsize
	keep = min(max(total/20, 1<<20), 256<<20)
	bytesOver = int64(st.Bavail)*st.Bsize - keep
	inodesOver = -1
	if st.Files > 0 {
		inodesOver = int64(st.Ffree) - min(max(int64(st.Files)/100, 64), 10000)
	}
	trace.KernelEvent("statfs", trace.Str("dir", g.dir), trace.Int("free", int64(st.Bavail)*st.Bsize), trace.Int("keep free", keep),
		trace.Int("inodes free", int64(st.Ffree)))
	return bytesOver, inodesOver, keep, nil
}

// take reserves n bytes about to be written.
func (g *spaceGuard) take(n int64) error {
	if n > g.budget {
		over, _, keep, err := g.statfs()
		if err != nil {
			return err
		}
		if n > over {
			return fmt.Errorf("%w on the filesystem of %s: writing %s more would leave less than %s free (%s of layer data written so far); free some space (vitro image prune, vitro rm) and try again",
				ErrNoSpace, g.dir, units.BytesSize(float64(n)), units.BytesSize(float64(keep)), units.BytesSize(float64(g.written)))
		}
		g.budget = min(over, spaceRecheck)
	}
	g.budget -= n
	g.written += n
	return nil
}

// entry is called before each inode the unpack makes.
func (g *spaceGuard) entry() error {
	g.entries++
	if g.entries < inodeRecheck {
		return nil
	}
	g.entries = 0
	_, inodes, _, err := g.statfs()
	if err != nil {
		return err
	}
	if inodes >= 0 && inodes < inodeRecheck {
		return fmt.Errorf("%w on the filesystem of %s: it is running out of inodes (files); free some (vitro image prune, vitro rm) and try again", ErrNoSpace, g.dir)
	}
	return nil
}

// blockSize is the granularity of holes: a run of zero bytes this long,
// aligned in the file, is skipped rather than written.
const blockSize = 4096

var zeroBlock [blockSize]byte

// copySparse copies size bytes from r into f and leaves every aligned
// block of zeros a hole: sparse files stay sparse (a tar's sparse entries
// come out of archive/tar as runs of zeros, and so do the zeros of a
// dense file), and only blocks holding data take disk space. It returns
// the bytes actually written.
//
// Shell equivalent: tar --sparse -x (GNU tar restores holes the same way)
func (u *unpacker) copySparse(f *os.File, r io.Reader, size int64) (int64, error) {
	var off, written int64
	buf := u.buf
	for off < size {
		n := int(min(int64(len(buf)), size-off))
		got, err := io.ReadFull(r, buf[:n])
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return written, fmt.Errorf("%w: the header says %d bytes, the archive ends after %d", ErrSizeMismatch, size, off+int64(got))
		}
		if err != nil {
			return written, err
		}
		chunk := buf[:n]
		// Write each run of non-zero blocks with one pwrite.
		for i := 0; i < n; {
			j := i
			for j < n && !isZeroBlock(chunk[j:min(j+blockSize, n)]) {
				j += blockSize
			}
			j = min(j, n)
			if j > i {
				if err := u.space.take(int64(j - i)); err != nil {
					return written, err
				}
				if _, err := f.WriteAt(chunk[i:j], off+int64(i)); err != nil {
					return written, fmt.Errorf("writing %s: %w", f.Name(), err)
				}
				written += int64(j - i)
			}
			for j < n && isZeroBlock(chunk[j:min(j+blockSize, n)]) {
				j += blockSize
			}
			i = min(j, n)
		}
		off += int64(n)
	}
	// The holes at the end: ftruncate sets the size without writing.
	if err := f.Truncate(size); err != nil {
		return written, fmt.Errorf("truncating %s to %d bytes: %w", f.Name(), size, err)
	}
	return written, nil
}

func isZeroBlock(b []byte) bool { return bytes.Equal(b, zeroBlock[:len(b)]) }
