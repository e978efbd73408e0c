package fsdemo

import (
	"errors"
	"fmt"
	"os"
)

// ErrBadRootfs is returned for a root filesystem that cannot be used.
var ErrBadRootfs = errors.New("bad root filesystem")

// CheckRootfs says, before anything is mounted, whether dir can be a
// container's root: it must exist and be a directory.
func CheckRootfs(dir string) error {
	if dir == "" {
		return fmt.Errorf("%w: no directory given", ErrBadRootfs)
	}
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%w: %s does not exist: give a directory holding an unpacked image (bin/, etc/ ...)", ErrBadRootfs, dir)
	case err != nil:
		return fmt.Errorf("%w: %s: %w", ErrBadRootfs, dir, err)
	case !st.IsDir():
		return fmt.Errorf("%w: %s is a %s, not a directory: give the directory an image was unpacked into", ErrBadRootfs, dir, fileKind(st.Mode()))
	}
	return nil
}

func fileKind(m os.FileMode) string {
	switch {
	case m.IsRegular():
		return "regular file"
	case m&os.ModeSymlink != 0:
		return "symbolic link"
	case m&os.ModeDevice != 0:
		return "device"
	case m&os.ModeNamedPipe != 0:
		return "named pipe"
	case m&os.ModeSocket != 0:
		return "socket"
	}
	return m.Type().String()
}
