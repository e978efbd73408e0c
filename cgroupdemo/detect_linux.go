package cgroupdemo

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

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

// Controllers lists the controllers a host offers. On v2 it is the root's
// cgroup.controllers; on v1 and hybrid the enabled rows of /proc/cgroups
// that are mounted under root.
func Controllers(root string, mode Mode) ([]string, error) {
	if mode == Unified {
		b, err := os.ReadFile(filepath.Join(root, "cgroup.controllers"))
		if err != nil {
			return nil, err
		}
		return strings.Fields(string(b)), nil
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
		if _, err := os.Stat(filepath.Join(root, fs[0])); err == nil {
			out = append(out, fs[0])
		}
	}
	sort.Strings(out)
	return out, sc.Err()
}
