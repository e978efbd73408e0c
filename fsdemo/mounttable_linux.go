package fsdemo

import (
	"fmt"
	"os"
	"strings"

	"github.com/moby/sys/mountinfo"
)

// MountEntry is one line of /proc/PID/mountinfo, the kernel's mount table
// as the process PID sees it (paths relative to its root).
type MountEntry struct {
	ID          int    `json:"id"`
	Parent      int    `json:"parent"`
	Mountpoint  string `json:"mountpoint"`
	FSType      string `json:"fstype"`
	Source      string `json:"source"`
	Root        string `json:"root"`    // the subtree of the filesystem mounted here ("/" unless a bind)
	Options     string `json:"options"` // per-mount options: rw/ro, nosuid ...
	Propagation string `json:"propagation"`
}

// MountTable reads the mount table of process pid (0: this process).
//
// Shell equivalent: cat /proc/PID/mountinfo (findmnt -N PID)
func MountTable(pid int) ([]MountEntry, error) {
	var infos []*mountinfo.Info
	var err error
	if pid == 0 {
		infos, err = mountinfo.GetMounts(nil)
	} else {
		infos, err = pidMounts(pid)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the mount table of pid %d: %w", pid, err)
	}
	out := make([]MountEntry, 0, len(infos))
	for _, i := range infos {
		out = append(out, MountEntry{ID: i.ID, Parent: i.Parent, Mountpoint: i.Mountpoint, FSType: i.FSType,
			Source: i.Source, Root: i.Root, Options: i.Options, Propagation: propagation(i.Optional)})
	}
	return out, nil
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

// findMount returns the entry mounted last at mountpoint, if any.
func findMount(table []MountEntry, mountpoint string) (MountEntry, bool) {
	for i := len(table) - 1; i >= 0; i-- {
		if table[i].Mountpoint == mountpoint {
			return table[i], true
		}
	}
	return MountEntry{}, false
}

// pidMounts reads /proc/PID/mountinfo: the mount table of PID's mount
// namespace, as PID sees it.
func pidMounts(pid int) ([]*mountinfo.Info, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/mountinfo", pid))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return mountinfo.GetMountsFromReader(f, nil)
}
