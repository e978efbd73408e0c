package fsdemo

import (
	"fmt"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/vitro-dev/vitro/internal/trace"
)

// DeviceNode is a device node to create inside a container (--device).
type DeviceNode struct {
	Path         string `json:"path"` // inside the container: /dev/xvdc
	Type         byte   `json:"type"` // 'c' or 'b'
	Major, Minor uint32
	Mode         uint32 `json:"mode"` // permission bits, from the host's node
	UID, GID     uint32
}

// MakeDeviceNode creates n under the current root, with its parent
// directories. Call it after pivot_root. The parent is created and opened
// with every component resolved inside "/" (MkdirAllInRoot: no magic
// link, no symlink out), and the node is made, owned and chmodded
// relative to that descriptor. A node that exists is replaced.
//
// Shell equivalent: mknod -m 660 /dev/xvdc b 8 0
func MakeDeviceNode(n DeviceNode) error {
	if !filepath.IsAbs(n.Path) || filepath.Base(n.Path) == "/" {
		return fmt.Errorf("device %s: the path inside the container must be absolute", n.Path)
	}
	mode := n.Mode & 0o7777
	switch n.Type {
	case 'c':
		mode |= unix.S_IFCHR
	case 'b':
		mode |= unix.S_IFBLK
	default:
		return fmt.Errorf("device %s: type %q is not c or b", n.Path, n.Type)
	}
	dir, err := MkdirAllInRoot("/", filepath.Dir(n.Path), 0o755)
	if err != nil {
		return fmt.Errorf("device %s: %w", n.Path, err)
	}
	defer dir.Close()
	fd, name := int(dir.Fd()), filepath.Base(n.Path)
	unix.Unlinkat(fd, name, 0)
	dev := unix.Mkdev(n.Major, n.Minor)
	if err := unix.Mknodat(fd, name, mode, int(dev)); err != nil {
		return fmt.Errorf("mknod %s %c %d %d: %w", n.Path, n.Type, n.Major, n.Minor, err)
	}
	if err := unix.Fchownat(fd, name, int(n.UID), int(n.GID), unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("chown %s: %w", n.Path, err)
	}
	// mknod honours the umask: set the mode the host's node has.
	if err := unix.Fchmodat(fd, name, n.Mode&0o7777, 0); err != nil {
		return fmt.Errorf("chmod %s: %w", n.Path, err)
	}
	trace.Action("mknod", trace.Str("path", n.Path), trace.Str("device", fmt.Sprintf("%c %d:%d", n.Type, n.Major, n.Minor)))
	trace.Shellf("mknod -m %o %s %c %d %d", n.Mode&0o7777, n.Path, n.Type, n.Major, n.Minor)
	return nil
}
