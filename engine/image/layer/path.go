package layer

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/vitro-dev/vitro/fsdemo"
)

// Errors a caller can test with errors.Is.
var (
	ErrEscape       = errors.New("path leaves the layer directory")
	ErrAbsolute     = errors.New("absolute path in a layer")
	ErrSymlinkPath  = errors.New("path goes through a symlink")
	ErrDevice       = errors.New("device nodes are refused (a container's /dev comes from the runtime)")
	ErrType         = errors.New("unsupported tar entry type")
	ErrWhiteout     = errors.New("bad whiteout")
	ErrSizeMismatch = errors.New("entry data shorter than its header claims")
	ErrHardlink     = errors.New("bad hardlink target")
)

// EntryError is an error about one tar entry.
type EntryError struct {
	Name string // the entry's name as written in the tar
	Err  error
}

func (e *EntryError) Error() string { return fmt.Sprintf("layer entry %q: %v", e.Name, e.Err) }
func (e *EntryError) Unwrap() error { return e.Err }

// CleanName checks an entry name and returns it relative to the layer
// root, without a leading "./" or a trailing slash; the root itself is ".".
// It refuses rather than repairs: an absolute name or a ".." component is
// an error, never silently cleaned, since no honest layer writer makes one.
func CleanName(name string) (string, error) {
	if name == "" {
		return "", errors.New("empty name")
	}
	if strings.IndexByte(name, 0) >= 0 {
		return "", errors.New("name contains a NUL byte")
	}
	if strings.HasPrefix(name, "/") {
		return "", ErrAbsolute
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", ErrEscape
		}
	}
	return path.Clean(name), nil
}

// Kind says what an entry name means for overlayfs.
type Kind int

const (
	Plain    Kind = iota // an ordinary file, directory or link
	Deletion             // .wh.<name>: <name> was deleted
	Opaque               // .wh..wh..opq: the directory hides lower ones
	Meta                 // another .wh..wh.* name (aufs bookkeeping): ignored
)

// Classify tells whether a cleaned name is a whiteout and, for a deletion,
// returns the path of the deleted entry; for an opaque marker it returns
// the directory it applies to.
func Classify(rel string) (Kind, string, error) {
	dir, base := path.Split(rel)
	dir = path.Clean(dir)
	if !strings.HasPrefix(base, fsdemo.WhiteoutPrefix) {
		return Plain, rel, nil
	}
	if base == fsdemo.OpaqueWhiteout {
		return Opaque, dir, nil
	}
	if strings.HasPrefix(base, fsdemo.WhiteoutMeta) {
		return Meta, rel, nil
	}
	target := strings.TrimPrefix(base, fsdemo.WhiteoutPrefix)
	if target == "" || target == "." || target == ".." {
		return 0, "", fmt.Errorf("%w: %q names no file", ErrWhiteout, base)
	}
	return Deletion, path.Join(dir, target), nil
}
