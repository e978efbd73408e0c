package cgroupdemo

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// DetectMode tells the layout under root (normally /sys/fs/cgroup) by
// filesystem magic, as runc and containerd do: cgroup2 at the root is v2;
// a tmpfs at the root is v1, or hybrid if root/unified is cgroup2. The mere
// presence of some cgroup2 mount elsewhere does not make a host v2.
//
// Shell equivalent: stat -f -c %T /sys/fs/cgroup /sys/fs/cgroup/unified
func DetectMode(root string) (Mode, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(root, &st); err != nil {
		return Unavailable, fmt.Errorf("statfs %s: %w", root, err)
	}
	switch st.Type {
	case unix.CGROUP2_SUPER_MAGIC:
		return Unified, nil
	case unix.TMPFS_MAGIC:
		var u unix.Statfs_t
		if err := unix.Statfs(filepath.Join(root, "unified"), &u); err == nil && u.Type == unix.CGROUP2_SUPER_MAGIC {
			return Hybrid, nil
		}
		return Legacy, nil
	}
	return Unavailable, fmt.Errorf("%s is not a cgroup mount (filesystem magic %#x): mount cgroup2 there or boot with cgroups enabled", root, st.Type)
}

// Hierarchies lists the cgroup filesystems mounted under root, read from
// /proc/self/mountinfo (never guessed from directory names, which differ
// between distributions: cpu,cpuacct vs cpu and cpuacct).
//
// Shell equivalent: findmnt -t cgroup,cgroup2 -R /sys/fs/cgroup
func Hierarchies(root string) ([]Hierarchy, error) {
	mounts, err := mountinfo.GetMounts(mountinfo.FSTypeFilter("cgroup", "cgroup2"))
	if err != nil {
		return nil, fmt.Errorf("reading the mount table: %w", err)
	}
	hs := hierarchiesFrom(mounts, root)
	for i, h := range hs {
		if h.Version == 2 {
			if b, err := os.ReadFile(filepath.Join(h.Mountpoint, "cgroup.controllers")); err == nil {
				hs[i].Controllers = strings.Fields(string(b))
			}
		}
	}
	return hs, nil
}

// Detect finds the layout under root and returns the driver for it: V2
// when root itself is cgroup2, V1 for v1 and hybrid hosts (whose cgroup2
// tree at root/unified carries no controllers, so it is never written to).
func Detect(root string) (Driver, error) {
	mode, err := DetectMode(root)
	if err != nil {
		return nil, err
	}
	if mode == Unified {
		return NewV2(root), nil
	}
	hs, err := Hierarchies(root)
	if err != nil {
		return nil, err
	}
	return NewV1(mode, hs)
}

// Controllers lists the controllers a host offers. On v2 it is the root's
// cgroup.controllers; on v1 and hybrid the enabled rows of /proc/cgroups
// whose hierarchy is mounted under root.
func Controllers(root string, mode Mode) ([]string, error) {
	if mode == Unified {
		b, err := os.ReadFile(filepath.Join(root, "cgroup.controllers"))
		if err != nil {
			return nil, err
		}
		return strings.Fields(string(b)), nil
	}
	mounted := map[string]bool{}
	if hs, err := Hierarchies(root); err == nil {
		for _, h := range hs {
			for _, c := range h.Controllers {
				if h.Version == 1 {
					mounted[c] = true
				}
			}
		}
	}
	f, err := os.Open("/proc/cgroups")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// #subsys_name hierarchy num_cgroups enabled
		fs := strings.Fields(sc.Text())
		if len(fs) != 4 || strings.HasPrefix(fs[0], "#") || fs[3] != "1" || fs[1] == "0" {
			continue
		}
		if mounted[fs[0]] {
			out = append(out, fs[0])
		}
	}
	sort.Strings(out)
	return out, sc.Err()
}
