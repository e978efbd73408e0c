package fsdemo

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// OverlayAppendSupported reports whether this kernel's overlayfs takes
// lower layers one at a time ("lowerdir+", Linux 6.8), which lifts the
// one-page limit on the options of images with many layers. It opens an
// overlay configuration context and discards it: nothing is mounted.
// It needs CAP_SYS_ADMIN.
//
// Shell equivalent: none; util-linux 2.39+ uses it for long option strings.
func OverlayAppendSupported() (bool, error) {
	fd, err := unix.Fsopen("overlay", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return false, fmt.Errorf("fsopen overlay: %w", err)
	}
	defer unix.Close(fd)
	err = unix.FsconfigSetString(fd, "lowerdir+", "/")
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, unix.EINVAL):
		return false, nil
	}
	return false, fmt.Errorf("fsconfig lowerdir+: %w", err)
}
