package nsdemo

import "strings"

// MountEntry is one line of /proc/PID/mountinfo: the mount table of the
// mount namespace PID is in, as PID sees it (paths relative to its root).
type MountEntry struct {
	ID          int    `json:"id"`
	Parent      int    `json:"parent"`
	Mountpoint  string `json:"mountpoint"`
	FSType      string `json:"fstype"`
	Source      string `json:"source"`
	Root        string `json:"root"`        // the subtree of the filesystem mounted here ("/" unless a bind)
	Options     string `json:"options"`     // per-mount options: rw/ro, nosuid ...
	Propagation string `json:"propagation"` // private, shared:N, slave:N, unbindable, or several joined by ","
}

// propagation turns mountinfo's optional fields ("shared:5 master:2")
// into words: private, shared:5, slave of 2 ...
func propagation(optional string) string {
	if optional == "" {
		return "private"
	}
	var p []string
	for _, f := range strings.Fields(optional) {
		switch {
		case strings.HasPrefix(f, "shared:"):
			p = append(p, f)
		case strings.HasPrefix(f, "master:"):
			p = append(p, "slave:"+strings.TrimPrefix(f, "master:"))
		case f == "unbindable":
			p = append(p, f)
		}
	}
	if len(p) == 0 {
		return "private"
	}
	return strings.Join(p, ",")
}

// FindMount returns the last (topmost) entry mounted at mountpoint.
func FindMount(ms []MountEntry, mountpoint string) (MountEntry, bool) {
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Mountpoint == mountpoint {
			return ms[i], true
		}
	}
	return MountEntry{}, false
}
