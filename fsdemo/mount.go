package fsdemo

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// Mount is one mount(2) call described as data, after containerd's
// "Mount is the lingua franca": planners (Overlay, ContainerMounts,
// Volume.Mounts, MaskedPaths ...) return []Mount and never mount; Apply is
// the one place that performs them, traces them and undoes them on error.
//
// Flags mix three kinds of MS_* bits that the kernel wants in separate
// calls; Apply splits them the way mount(8) does:
//
//	MS_BIND [|MS_REC]               a bind mount of Source onto Target
//	MS_RDONLY, MS_NOSUID ... + BIND  a second call, MS_REMOUNT|MS_BIND, sets them
//	MS_PRIVATE|MS_SHARED|MS_SLAVE   a last call that changes propagation only
type Mount struct {
	Source string `json:"source"`
	Target string `json:"target"`
	Type   string `json:"type,omitempty"`
	Flags  Flags  `json:"flags"`
	Data   string `json:"data,omitempty"`
	// Root, when set, is the container rootfs that Target lies in. Apply
	// then opens Target with its symlinks resolved as if Root were /
	// (openat2 RESOLVE_IN_ROOT, see OpenInRoot) and mounts on that
	// descriptor, so an image whose /data is a symlink to /etc cannot make
	// the runtime mount over the host's /etc. ContainerMounts,
	// Volume.Mounts, MaskPaths and ReadOnlyMounts set it.
	Root string `json:"root,omitempty"`
}

// Flags are MS_* mount flags. They print as "MS_BIND|MS_REC".
type Flags uintptr

// propagationFlags can only be changed by a mount call of their own.
const propagationFlags = unix.MS_SHARED | unix.MS_PRIVATE | unix.MS_SLAVE | unix.MS_UNBINDABLE

// perMountFlags are the flags a bind mount ignores on the first call and
// that need MS_REMOUNT|MS_BIND to take effect.
const perMountFlags = unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC |
	unix.MS_NOATIME | unix.MS_NODIRATIME | unix.MS_RELATIME | unix.MS_STRICTATIME

var flagNames = []struct {
	flag Flags
	name string
	opt  string // the mount(8) -o spelling, "" when it has none
}{
	{unix.MS_RDONLY, "MS_RDONLY", "ro"},
	{unix.MS_NOSUID, "MS_NOSUID", "nosuid"},
	{unix.MS_NODEV, "MS_NODEV", "nodev"},
	{unix.MS_NOEXEC, "MS_NOEXEC", "noexec"},
	{unix.MS_SYNCHRONOUS, "MS_SYNCHRONOUS", "sync"},
	{unix.MS_REMOUNT, "MS_REMOUNT", "remount"},
	{unix.MS_MANDLOCK, "MS_MANDLOCK", "mand"},
	{unix.MS_DIRSYNC, "MS_DIRSYNC", "dirsync"},
	{unix.MS_NOATIME, "MS_NOATIME", "noatime"},
	{unix.MS_NODIRATIME, "MS_NODIRATIME", "nodiratime"},
	{unix.MS_BIND, "MS_BIND", "bind"},
	{unix.MS_MOVE, "MS_MOVE", "move"},
	{unix.MS_REC, "MS_REC", ""},
	{unix.MS_SILENT, "MS_SILENT", "silent"},
	{unix.MS_UNBINDABLE, "MS_UNBINDABLE", "unbindable"},
	{unix.MS_PRIVATE, "MS_PRIVATE", "private"},
	{unix.MS_SLAVE, "MS_SLAVE", "slave"},
	{unix.MS_SHARED, "MS_SHARED", "shared"},
	{unix.MS_RELATIME, "MS_RELATIME", "relatime"},
	{unix.MS_STRICTATIME, "MS_STRICTATIME", "strictatime"},
	{unix.MS_LAZYTIME, "MS_LAZYTIME", "lazytime"},
}

// String prints the flags as C would spell them: "MS_BIND|MS_REC", or "0".
func (f Flags) String() string {
	if f == 0 {
		return "0"
	}
	var names []string
	rest := f
	for _, n := range flagNames {
		if f&n.flag != 0 {
			names = append(names, n.name)
			rest &^= n.flag
		}
	}
	if rest != 0 {
		names = append(names, fmt.Sprintf("%#x", uintptr(rest)))
	}
	return strings.Join(names, "|")
}

// MarshalText makes JSON show the names, not a number.
func (f Flags) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalText reads the names back, so a []Mount survives JSON (the
// engine sends its plan to the container's init that way).
func (f *Flags) UnmarshalText(b []byte) error {
	v, err := ParseFlags(string(b))
	*f = v
	return err
}

// ParseFlags reads "MS_BIND|MS_REC" back.
func ParseFlags(s string) (Flags, error) {
	var f Flags
	if s == "" || s == "0" {
		return 0, nil
	}
	for _, part := range strings.Split(s, "|") {
		found := false
		for _, n := range flagNames {
			if n.name == strings.TrimSpace(part) {
				f |= n.flag
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("mount flag %q: unknown (want names such as MS_BIND|MS_REC)", part)
		}
	}
	return f, nil
}

// options returns the flags as mount(8) -o options, comma separated.
func (f Flags) options() []string {
	var o []string
	for _, n := range flagNames {
		if f&n.flag != 0 && n.opt != "" && n.flag&(unix.MS_BIND|unix.MS_MOVE|unix.MS_REMOUNT|propagationFlags) == 0 {
			o = append(o, n.opt)
		}
	}
	return o
}

// IsBind reports whether m is a bind mount.
func (m Mount) IsBind() bool { return m.Flags&unix.MS_BIND != 0 }

// IsPropagationOnly reports whether m only changes the propagation of
// an existing mount (mount --make-rprivate and friends).
func (m Mount) IsPropagationOnly() bool {
	return m.Flags&propagationFlags != 0 && m.Flags&^(propagationFlags|unix.MS_REC) == 0
}

// String is a one-line description for messages.
func (m Mount) String() string {
	return fmt.Sprintf("%s on %s (type %q, flags %s, data %q)", orNone(m.Source), m.Target, m.Type, m.Flags, shorten(m.Data, 120))
}

// Shell returns the mount(8) commands that do what Apply does for m.
func (m Mount) Shell() []string {
	var cmds []string
	rec := m.Flags&unix.MS_REC != 0
	switch {
	case m.IsPropagationOnly():
		return []string{"mount " + propagationOption(m.Flags) + " " + m.Target}
	case m.Flags&unix.MS_MOVE != 0:
		return []string{"mount --move " + m.Source + " " + m.Target}
	case m.Flags&unix.MS_REMOUNT != 0:
		opts := append([]string{"remount"}, m.Flags.options()...)
		if m.IsBind() {
			opts = append([]string{"remount", "bind"}, m.Flags.options()...)
		}
		return []string{"mount -o " + strings.Join(opts, ",") + " " + m.Target}
	case m.IsBind():
		verb := "--bind"
		if rec {
			verb = "--rbind"
		}
		cmds = append(cmds, "mount "+verb+" "+m.Source+" "+m.Target)
		if o := (m.Flags & perMountFlags).options(); len(o) > 0 {
			cmds = append(cmds, "mount -o "+strings.Join(append([]string{"remount", "bind"}, o...), ",")+" "+m.Target)
		}
	default:
		opts := m.Flags.options()
		if m.Data != "" {
			opts = append(opts, shorten(m.Data, 1024))
		}
		c := "mount -t " + m.Type
		if len(opts) > 0 {
			c += " -o " + strings.Join(opts, ",")
		}
		cmds = append(cmds, c+" "+orNone(m.Source)+" "+m.Target)
	}
	if m.Flags&propagationFlags != 0 {
		cmds = append(cmds, "mount "+propagationOption(m.Flags)+" "+m.Target)
	}
	return cmds
}

func propagationOption(f Flags) string {
	r := ""
	if f&unix.MS_REC != 0 {
		r = "r"
	}
	switch {
	case f&unix.MS_PRIVATE != 0:
		return "--make-" + r + "private"
	case f&unix.MS_SLAVE != 0:
		return "--make-" + r + "slave"
	case f&unix.MS_SHARED != 0:
		return "--make-" + r + "shared"
	}
	return "--make-" + r + "unbindable"
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return fmt.Sprintf("%s... (%d bytes)", s[:n], len(s))
}

// MountError is a failed mount call with everything that was passed to
// it, after runc's mountError: in a lesson, the arguments are the point.
type MountError struct {
	Op     string // "mount", "remount", "propagation", "umount", "fsconfig" ...
	Source string
	Target string
	Type   string
	Flags  Flags
	Data   string
	Err    error
}

func (e *MountError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s on %s", e.Op, orNone(e.Source), e.Target)
	if e.Type != "" {
		fmt.Fprintf(&b, " type %s", e.Type)
	}
	fmt.Fprintf(&b, " (flags %s", e.Flags)
	if e.Data != "" {
		fmt.Fprintf(&b, ", data %q", shorten(e.Data, 300))
	}
	fmt.Fprintf(&b, "): %v", e.Err)
	return b.String()
}

func (e *MountError) Unwrap() error { return e.Err }
