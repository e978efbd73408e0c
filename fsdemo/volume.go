package fsdemo

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"golang.org/x/sys/unix"
)

// VolumeKind says where a volume's files live.
type VolumeKind string

const (
	// BindVolume is a host directory or file: -v /srv/data:/data.
	BindVolume VolumeKind = "bind"
	// NamedVolume is kept by the runtime under its data root: -v cache:/cache.
	NamedVolume VolumeKind = "volume"
	// AnonymousVolume is a named volume with a generated name: -v /cache.
	AnonymousVolume VolumeKind = "anonymous"
)

// Volume is a parsed -v/--volume spec.
type Volume struct {
	Spec        string     `json:"spec"`
	Kind        VolumeKind `json:"kind"`
	Source      string     `json:"source,omitempty"` // host path (bind) or volume name
	Destination string     `json:"destination"`      // absolute path inside the container
	ReadOnly    bool       `json:"read_only"`
	Propagation Flags      `json:"propagation"` // MS_PRIVATE, MS_SHARED or MS_SLAVE, with MS_REC unless non-recursive
	// HostPath is the host directory bound in: Source for a bind; for a
	// named or anonymous volume the runtime sets it to where it keeps
	// the volume's files before calling Mounts.
	HostPath string `json:"host_path,omitempty"`
}

var volumeName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`)

// ParseVolume parses docker's volume syntax, SRC:DST[:OPTIONS] or DST:
//
//	/srv/data:/data          bind mount, read-write
//	/srv/data:/data:ro       bind mount, read-only
//	/srv/data:/data:ro,rshared  ... whose later sub-mounts propagate in
//	cache:/var/cache         named volume
//	/var/cache               anonymous volume
//
// OPTIONS are comma separated: ro or rw (default rw), and one of
// private, rprivate (the default), shared, rshared, slave, rslave.
func ParseVolume(spec string) (Volume, error) {
	v := Volume{Spec: spec, Propagation: unix.MS_REC | unix.MS_PRIVATE}
	bad := func(format string, a ...any) (Volume, error) {
		return Volume{}, fmt.Errorf("volume %q: %s", spec, fmt.Sprintf(format, a...))
	}
	parts := strings.Split(spec, ":")
	switch {
	case spec == "":
		return bad("empty: want SRC:DST[:ro|rw], e.g. /srv/data:/data:ro")
	case len(parts) > 3:
		return bad("%d fields separated by ':': want at most three, SRC:DST[:OPTIONS] (paths with ':' cannot be volumes)", len(parts))
	case len(parts) == 1:
		v.Kind, v.Destination = AnonymousVolume, parts[0]
	default:
		v.Source, v.Destination = parts[0], parts[1]
		switch {
		case v.Source == "":
			return bad("empty source: want a host path or a volume name before the ':'")
		case filepath.IsAbs(v.Source):
			v.Kind, v.Source = BindVolume, filepath.Clean(v.Source)
			v.HostPath = v.Source
		case strings.HasPrefix(v.Source, ".") || strings.Contains(v.Source, "/"):
			return bad("source %q is a relative path: give an absolute one, e.g. \"$PWD/%s\"", v.Source, strings.TrimPrefix(v.Source, "./"))
		case !volumeName.MatchString(v.Source):
			return bad("source %q is not a valid volume name: use letters, digits, '_', '.' and '-', starting with a letter or digit", v.Source)
		default:
			v.Kind = NamedVolume
		}
	}
	switch {
	case v.Destination == "":
		return bad("empty destination: want an absolute path inside the container after the ':'")
	case !filepath.IsAbs(v.Destination):
		return bad("destination %q is not an absolute path: container paths start with '/', e.g. /%s", v.Destination, v.Destination)
	}
	v.Destination = filepath.Clean(v.Destination)
	if v.Destination == "/" {
		return bad("destination '/': a volume cannot replace the container's root")
	}
	if msg := kernelFSDestination(v.Destination); msg != "" {
		return bad("destination %q: %s", v.Destination, msg)
	}
	if len(parts) == 3 {
		if err := v.parseOptions(parts[2]); err != nil {
			return bad("%v", err)
		}
	}
	return v, nil
}

func (v *Volume) parseOptions(opts string) error {
	var rw, prop string
	for _, o := range strings.Split(opts, ",") {
		switch o {
		case "ro", "rw":
			if rw != "" {
				return fmt.Errorf("options %q: %s and %s both given: choose one", opts, rw, o)
			}
			rw, v.ReadOnly = o, o == "ro"
		case "private", "rprivate", "shared", "rshared", "slave", "rslave":
			if prop != "" {
				return fmt.Errorf("options %q: propagation %s and %s both given: choose one", opts, prop, o)
			}
			prop = o
			v.Propagation = 0
			if strings.HasPrefix(o, "r") {
				v.Propagation = unix.MS_REC
			}
			switch strings.TrimPrefix(o, "r") {
			case "private":
				v.Propagation |= unix.MS_PRIVATE
			case "shared":
				v.Propagation |= unix.MS_SHARED
			case "slave":
				v.Propagation |= unix.MS_SLAVE
			}
		case "":
			return fmt.Errorf("options %q: empty option", opts)
		default:
			return fmt.Errorf("option %q: unknown; want ro, rw, or a propagation (private, rprivate, shared, rshared, slave, rslave)", o)
		}
	}
	if prop != "" && v.Kind != BindVolume {
		return fmt.Errorf("propagation %s applies to bind mounts only (the source must be a host path)", prop)
	}
	return nil
}

// Mounts plans the bind mount of v.HostPath into rootfs at
// v.Destination, then its propagation. For a named or anonymous volume,
// set HostPath first.
//
// Shell equivalent: mount --rbind SRC ROOTFS/DST; mount -o remount,bind,ro ROOTFS/DST; mount --make-rprivate ROOTFS/DST
func (v Volume) Mounts(rootfs string) []Mount {
	t := filepath.Join(rootfs, v.Destination)
	f := Flags(unix.MS_BIND | unix.MS_REC)
	if v.ReadOnly {
		f |= unix.MS_RDONLY
	}
	return []Mount{
		{Source: v.HostPath, Target: t, Flags: f, Root: rootfs},
		{Target: t, Flags: v.Propagation, Root: rootfs},
	}
}

// procFilesAllowed are the /proc files runc lets a bind mount cover:
// lxcfs serves container-sized versions of them (a container's own
// memory and CPU figures in /proc/meminfo, /proc/cpuinfo ...).
var procFilesAllowed = map[string]bool{
	"/proc/cpuinfo": true, "/proc/diskstats": true, "/proc/meminfo": true, "/proc/stat": true,
	"/proc/swaps": true, "/proc/uptime": true, "/proc/loadavg": true, "/proc/slabinfo": true,
	"/proc/net/dev": true, "/proc/sys/kernel/ns_last_pid": true,
}

// kernelFSDestination says why a volume may not go at dst, "" if it may.
// /proc and /sys are the kernel's, mounted by the runtime and partly
// masked or read-only: a bind over them could undo the masks (a host
// directory over /proc/sys) or point the container's view of the kernel
// at something else, so runc refuses them, and so does vitro.
func kernelFSDestination(dst string) string {
	under := func(top string) bool { return dst == top || strings.HasPrefix(dst, top+"/") }
	switch {
	case procFilesAllowed[dst]:
		return ""
	case under("/proc"):
		return "cannot mount over /proc or below: the container's procfs is the runtime's (as in runc; only lxcfs's files such as /proc/meminfo may be bound)"
	case under("/sys"):
		return "cannot mount over /sys or below: the container's sysfs is the runtime's, read-only (as in runc)"
	}
	return ""
}
