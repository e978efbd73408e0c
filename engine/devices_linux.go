package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/vitro-dev/vitro/cgroupdemo"
	"github.com/vitro-dev/vitro/fsdemo"
)

// deviceAccess is what --device grants and the nodes it makes.
type deviceAccess struct {
	Rules []cgroupdemo.DeviceRule
	Nodes []fsdemo.DeviceNode
}

// resolveDevices turns --privileged and --device into the container's
// device rules, as docker does: --privileged allows every device; any
// other container gets docker's default allowlist, plus one rule and one
// node per --device HOST[:CONTAINER[:PERMS]].
func resolveDevices(o RunOptions) (deviceAccess, error) {
	var d deviceAccess
	if o.Privileged {
		d.Rules = cgroupdemo.AllowAll
	} else {
		d.Rules = append(d.Rules, cgroupdemo.DefaultDevices...)
	}
	for _, spec := range o.Devices {
		n, perms, err := parseDevice(spec)
		if err != nil {
			return d, err
		}
		d.Nodes = append(d.Nodes, n)
		if !o.Privileged {
			d.Rules = append(d.Rules, cgroupdemo.DeviceRule{Allow: true, Type: n.Type, Major: int64(n.Major), Minor: int64(n.Minor), Access: perms})
		}
	}
	return d, nil
}

// parseDevice reads docker's --device HOST[:CONTAINER[:PERMS]] (also
// HOST:PERMS) and looks the host's node up.
func parseDevice(spec string) (fsdemo.DeviceNode, string, error) {
	parts := strings.Split(spec, ":")
	host, ctr, perms := parts[0], parts[0], "rwm"
	switch {
	case len(parts) == 2 && validPerms(parts[1]):
		perms = parts[1]
	case len(parts) == 2:
		ctr = parts[1]
	case len(parts) == 3:
		ctr, perms = parts[1], parts[2]
	case len(parts) > 3:
		return fsdemo.DeviceNode{}, "", fmt.Errorf("--device %q: want HOST[:CONTAINER[:PERMS]], such as /dev/loop0:/dev/xvda:rw", spec)
	}
	if !validPerms(perms) {
		return fsdemo.DeviceNode{}, "", fmt.Errorf("--device %q: permissions %q: want a combination of r, w and m", spec, perms)
	}
	if !filepath.IsAbs(host) || !filepath.IsAbs(ctr) {
		return fsdemo.DeviceNode{}, "", fmt.Errorf("--device %q: both paths must be absolute (/dev/...)", spec)
	}
	var st unix.Stat_t
	if err := unix.Stat(host, &st); err != nil {
		return fsdemo.DeviceNode{}, "", fmt.Errorf("--device %q: %s: %w", spec, host, err)
	}
	n := fsdemo.DeviceNode{Path: filepath.Clean(ctr), Major: unix.Major(st.Rdev), Minor: unix.Minor(st.Rdev),
		Mode: st.Mode & 0o7777, UID: st.Uid, GID: st.Gid}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFCHR:
		n.Type = 'c'
	case unix.S_IFBLK:
		n.Type = 'b'
	default:
		return n, "", fmt.Errorf("--device %q: %s is not a character or block device (%s)", spec, host, os.FileMode(st.Mode&0o777))
	}
	return n, perms, nil
}

func validPerms(p string) bool {
	return p != "" && len(p) <= 3 && strings.Trim(p, "rwm") == ""
}
