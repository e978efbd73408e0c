package layer

import (
	"archive/tar"
	"errors"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/vitro-dev/vitro/internal/trace"
	"golang.org/x/sys/unix"
)

// meta applies owner, mode, xattrs and times. Owner goes before mode:
// chown clears the setuid and setgid bits.
func (u *unpacker) meta(p string, hdr *tar.Header, link bool) error {
	if u.owner {
		if err := wrap("lchown", p, unix.Lchown(p, hdr.Uid, hdr.Gid)); err != nil {
			return err
		}
	}
	if !link {
		if err := wrap("chmod", p, unix.Chmod(p, tarMode(hdr.Mode))); err != nil {
			return err
		}
	}
	for k, v := range hdr.PAXRecords {
		name, ok := strings.CutPrefix(k, "SCHILY.xattr.")
		if !ok {
			continue
		}
		if strings.HasPrefix(name, "trusted.") {
			// trusted.overlay.* would let a layer steer overlayfs; only
			// whiteout entries may set it, above.
			trace.Action("layer: skip xattr", trace.Str("entry", hdr.Name), trace.Str("xattr", name))
			continue
		}
		err := unix.Lsetxattr(p, name, []byte(v), 0)
		if err != nil && !errors.Is(err, unix.ENOTSUP) && !(strings.HasPrefix(name, "security.") && errors.Is(err, unix.EPERM)) {
			return wrap("lsetxattr "+name, p, err)
		}
	}
	if hdr.Typeflag == tar.TypeDir {
		return nil
	}
	return setTimes(p, hdr.AccessTime, hdr.ModTime, link)
}

// tarMode turns a tar header's mode into chmod bits, keeping setuid,
// setgid and sticky.
func tarMode(m int64) uint32 { return uint32(m & 0o7777) }

func setTimes(p string, atime, mtime time.Time, link bool) error {
	if atime.IsZero() {
		atime = mtime
	}
	ts := []unix.Timespec{unix.NsecToTimespec(atime.UnixNano()), unix.NsecToTimespec(mtime.UnixNano())}
	flags := 0
	if link {
		flags = unix.AT_SYMLINK_NOFOLLOW
	}
	return wrap("utimensat", p, unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, flags))
}

// removeExisting clears the way for a new entry at p: tar semantics say a
// later entry replaces an earlier one. A directory is removed with its
// contents. keepDir keeps an existing directory.
func removeExisting(p string, keepDir bool) error {
	fi, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.IsDir() {
		if keepDir {
			return nil
		}
		return os.RemoveAll(p)
	}
	return wrap("unlink", p, unix.Unlink(p))
}

func wrap(op, p string, err error) error {
	if err == nil {
		return nil
	}
	return &fs.PathError{Op: op, Path: p, Err: err}
}
