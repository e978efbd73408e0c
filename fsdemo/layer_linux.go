package fsdemo

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// IsWhiteout reports whether fi is an overlay whiteout: a character
// device with device number 0/0.
func IsWhiteout(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && fi.Mode()&fs.ModeCharDevice != 0 && st.Rdev == 0
}

// IsOpaque reports whether the directory at path has the opaque xattr.
func IsOpaque(path string) bool {
	buf := make([]byte, 8)
	n, err := unix.Lgetxattr(path, OpaqueXattr, buf)
	return err == nil && n == 1 && buf[0] == 'y'
}

// TarEntry is one entry of the layer tarball an upper directory would
// become (what `docker commit` or a build step records).
type TarEntry struct {
	Name string `json:"name"`
	Type string `json:"type"` // dir, file, symlink, whiteout, opaque
	Size int64  `json:"size"`
	From string `json:"from"` // what in the upper dir it comes from
}

// LayerEntries walks an overlay upper directory and lists the tar entries
// of the layer it represents, translating overlay's markers into the
// image format's: a 0/0 character device NAME becomes an empty file
// .wh.NAME, and an opaque directory gets a .wh..wh..opq entry inside it.
func LayerEntries(upper string) ([]TarEntry, error) {
	var out []TarEntry
	err := filepath.WalkDir(upper, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(upper, p)
		if rel == "." {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		dir, name := filepath.Split(rel)
		switch {
		case IsWhiteout(fi):
			out = append(out, TarEntry{Name: dir + WhiteoutPrefix + name, Type: "whiteout", From: rel + " (char device 0/0)"})
		case fi.IsDir():
			out = append(out, TarEntry{Name: rel + "/", Type: "dir", From: rel + "/"})
			if IsOpaque(p) {
				out = append(out, TarEntry{Name: rel + "/" + OpaqueWhiteout, Type: "opaque", From: rel + "/ (xattr " + OpaqueXattr + "=y)"})
			}
		case fi.Mode()&fs.ModeSymlink != 0:
			t, _ := os.Readlink(p)
			out = append(out, TarEntry{Name: rel, Type: "symlink", From: rel + " -> " + t})
		case fi.Mode().IsRegular():
			out = append(out, TarEntry{Name: rel, Type: "file", Size: fi.Size(), From: rel})
		default:
			out = append(out, TarEntry{Name: rel, Type: strings.TrimSpace(fileKind(fi.Mode())), From: rel})
		}
		return nil
	})
	if errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	return out, err
}
