package layer

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vitro-dev/vitro/fsdemo"
	"github.com/vitro-dev/vitro/internal/trace"
	"golang.org/x/sys/unix"
)

// Options change what Unpack accepts. The zero value is the safe default.
type Options struct {
	// AllowDevices lets the layer create character and block devices.
	// Default false: such entries are an error. FIFOs are always allowed.
	AllowDevices bool
	// MaxSize bounds what one layer may unpack: both its uncompressed
	// tar stream and the sum of its files' apparent sizes (a sparse file
	// counts at its full size: reading it costs that much). The default,
	// for 0, is DefaultMaxSize (8 GiB); a negative value is no bound.
	// Beyond it Unpack fails with ErrTooLarge. Whatever the bound, Unpack
	// also stops with ErrNoSpace before the filesystem is full.
	MaxSize int64
}

// Result counts what Unpack made.
type Result struct {
	Files, Dirs, Symlinks, Hardlinks, Whiteouts, Opaques int
	Bytes                                                int64 // file data, at the files' apparent sizes
	Written                                              int64 // of which written to disk (holes excluded)
}

type unpacker struct {
	root  string
	opt   Options
	owner bool // chown entries (only root can)
	res   Result
	dirs  []dirTimes // set last: creating children changes a directory's mtime
	buf   []byte
	max   int64 // bound on Bytes, -1 for none
	space spaceGuard
}

type dirTimes struct {
	path         string
	atime, mtime time.Time
}

// Unpack reads an uncompressed layer tar from r into dir, which must
// exist and should be empty and private to the caller (nothing else may
// write there while Unpack runs). On error dir holds a partial layer that
// the caller must remove.
//
// Shell equivalent (without the checks): tar -xpf layer.tar -C dir
func Unpack(ctx context.Context, r io.Reader, dir string, opt Options) (Result, error) {
	u := &unpacker{root: dir, opt: opt, owner: os.Geteuid() == 0, buf: make([]byte, 256<<10),
		max: opt.maxSize(), space: spaceGuard{dir: dir}}
	tr := tar.NewReader(LimitStream(r, u.max))
	for {
		if err := ctx.Err(); err != nil {
			return u.res, err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return u.res, fmt.Errorf("reading layer tar: %w", err)
		}
		if err := u.space.entry(); err != nil {
			return u.res, err
		}
		if err := u.entry(hdr, tr); err != nil {
			if errors.Is(err, ErrTooLarge) || errors.Is(err, ErrNoSpace) {
				return u.res, err // about the layer, not this entry
			}
			return u.res, &EntryError{Name: hdr.Name, Err: err}
		}
	}
	for i := len(u.dirs) - 1; i >= 0; i-- {
		d := u.dirs[i]
		if err := setTimes(d.path, d.atime, d.mtime, false); err != nil {
			return u.res, err
		}
	}
	return u.res, nil
}

func (u *unpacker) entry(hdr *tar.Header, r io.Reader) error {
	if hdr.Typeflag == tar.TypeXGlobalHeader {
		return nil
	}
	rel, err := CleanName(hdr.Name)
	if err != nil {
		return err
	}
	kind, target, err := Classify(rel)
	if err != nil {
		return err
	}
	switch kind {
	case Meta:
		trace.Action("layer: skip aufs metadata", trace.Str("entry", hdr.Name))
		return nil
	case Opaque:
		p, err := u.parents(target + "/x")
		if err != nil {
			return err
		}
		p = filepath.Dir(p)
		if err := u.mkdir(p); err != nil {
			return err
		}
		u.res.Opaques++
		// Shell equivalent: setfattr -n trusted.overlay.opaque -v y dir
		trace.KernelEvent("lsetxattr", trace.Str("path", p), trace.Str("name", fsdemo.OpaqueXattr), trace.Str("value", "y"))
		return wrap("setxattr "+fsdemo.OpaqueXattr, p, unix.Lsetxattr(p, fsdemo.OpaqueXattr, []byte("y"), 0))
	case Deletion:
		p, err := u.parents(target)
		if err != nil {
			return err
		}
		if err := removeExisting(p, false); err != nil {
			return err
		}
		u.res.Whiteouts++
		// Shell equivalent: mknod name c 0 0
		trace.KernelEvent("mknod", trace.Str("path", p), trace.Str("type", "S_IFCHR"), trace.Str("dev", "0:0"), trace.Str("why", "whiteout for "+hdr.Name))
		return wrap("mknod c 0 0 (whiteout)", p, unix.Mknod(p, unix.S_IFCHR, 0))
	}
	if rel == "." && hdr.Typeflag != tar.TypeDir {
		return fmt.Errorf("%w: only a directory may name the layer's root", ErrType)
	}
	p, err := u.parents(rel)
	if err != nil {
		return err
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		if err := u.mkdir(p); err != nil {
			return err
		}
		u.res.Dirs++
		if err := u.meta(p, hdr, false); err != nil {
			return err
		}
		u.dirs = append(u.dirs, dirTimes{p, hdr.AccessTime, hdr.ModTime})
		return nil
	case tar.TypeReg, tar.TypeRegA:
		return u.file(p, hdr, r)
	case tar.TypeSymlink:
		if hdr.Linkname == "" || strings.IndexByte(hdr.Linkname, 0) >= 0 {
			return fmt.Errorf("symlink with an empty or NUL-containing target %q", hdr.Linkname)
		}
		if err := removeExisting(p, false); err != nil {
			return err
		}
		if err := wrap("symlink", p, unix.Symlink(hdr.Linkname, p)); err != nil {
			return err
		}
		u.res.Symlinks++
		return u.meta(p, hdr, true)
	case tar.TypeLink:
		return u.hardlink(p, rel, hdr)
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		mode := uint32(unix.S_IFIFO)
		switch hdr.Typeflag {
		case tar.TypeChar:
			mode = unix.S_IFCHR
		case tar.TypeBlock:
			mode = unix.S_IFBLK
		}
		if mode != unix.S_IFIFO && !u.opt.AllowDevices {
			return ErrDevice
		}
		if err := removeExisting(p, false); err != nil {
			return err
		}
		dev := int(unix.Mkdev(uint32(hdr.Devmajor), uint32(hdr.Devminor)))
		if err := wrap("mknod", p, unix.Mknod(p, mode|uint32(hdr.Mode&0o7777), dev)); err != nil {
			return err
		}
		u.res.Files++
		return u.meta(p, hdr, false)
	}
	return fmt.Errorf("%w %q", ErrType, string(hdr.Typeflag))
}

// parents checks every directory above rel and creates the missing ones
// (a layer may omit directories its lower layers have). A parent that is a
// symlink or not a directory is refused: following it could leave the
// layer. It returns rel's host path.
func (u *unpacker) parents(rel string) (string, error) {
	if rel == "." {
		return u.root, nil
	}
	parts := strings.Split(rel, "/")
	p := u.root
	for _, part := range parts[:len(parts)-1] {
		p = filepath.Join(p, part)
		fi, err := os.Lstat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if err := wrap("mkdir", p, unix.Mkdir(p, 0o755)); err != nil {
				return "", err
			}
		case err != nil:
			return "", err
		case fi.Mode()&fs.ModeSymlink != 0:
			return "", fmt.Errorf("%w: %q is a symlink", ErrSymlinkPath, strings.TrimPrefix(p, u.root+"/"))
		case !fi.IsDir():
			return "", fmt.Errorf("parent %q is not a directory", strings.TrimPrefix(p, u.root+"/"))
		}
	}
	return filepath.Join(p, parts[len(parts)-1]), nil
}

// mkdir makes p a directory, replacing a non-directory in the way.
func (u *unpacker) mkdir(p string) error {
	fi, err := os.Lstat(p)
	if err == nil && fi.IsDir() {
		return nil
	}
	if err := removeExisting(p, false); err != nil {
		return err
	}
	return wrap("mkdir", p, unix.Mkdir(p, 0o755))
}

func (u *unpacker) file(p string, hdr *tar.Header, r io.Reader) error {
	if hdr.Size < 0 {
		return fmt.Errorf("%w: negative size %d", ErrSizeMismatch, hdr.Size)
	}
	// Checked from the header, before a byte is read: a 1 TB sparse file
	// is refused at once rather than after reading a terabyte of zeros.
	if u.max >= 0 && hdr.Size > u.max-u.res.Bytes {
		return tooLarge(u.max, fmt.Sprintf("%q would bring its files to %d bytes", hdr.Name, u.res.Bytes+hdr.Size))
	}
	if err := removeExisting(p, false); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return err
	}
	n, err := u.copySparse(f, r, hdr.Size)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	u.res.Files++
	u.res.Bytes += hdr.Size
	u.res.Written += n
	return u.meta(p, hdr, false)
}

func (u *unpacker) hardlink(p, rel string, hdr *tar.Header) error {
	trel, err := CleanName(hdr.Linkname)
	if err != nil {
		return fmt.Errorf("%w %q: %v", ErrHardlink, hdr.Linkname, err)
	}
	if trel == rel || trel == "." {
		return fmt.Errorf("%w %q: links to itself or the root", ErrHardlink, hdr.Linkname)
	}
	tp, err := u.parents(trel)
	if err != nil {
		return fmt.Errorf("%w %q: %v", ErrHardlink, hdr.Linkname, err)
	}
	fi, err := os.Lstat(tp)
	if err != nil {
		return fmt.Errorf("%w %q: not earlier in this layer", ErrHardlink, hdr.Linkname)
	}
	if fi.IsDir() {
		return fmt.Errorf("%w %q: is a directory", ErrHardlink, hdr.Linkname)
	}
	if err := removeExisting(p, false); err != nil {
		return err
	}
	u.res.Hardlinks++
	// linkat without AT_SYMLINK_FOLLOW links a symlink itself, never its target.
	return wrap("link", p, unix.Linkat(unix.AT_FDCWD, tp, unix.AT_FDCWD, p, 0))
}
