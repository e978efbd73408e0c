package compare

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/moby/sys/mountinfo"
	"github.com/vitro-dev/vitro/nsdemo"
)

// procMem returns a process's resident and proportional set sizes in
// bytes, from /proc/PID/smaps_rollup (PSS is 0 where the kernel has no
// smaps_rollup, before 4.14: then RSS comes from /proc/PID/status).
func procMem(pid int) (rss, pss int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		rss, err = statusKB(pid, "VmRSS:")
		return rss, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 2 {
			continue
		}
		n, _ := strconv.ParseInt(fs[1], 10, 64)
		switch fs[0] {
		case "Rss:":
			rss = n << 10
		case "Pss:":
			pss = n << 10
		}
	}
	return rss, pss, sc.Err()
}

func statusKB(pid int, key string) (int64, error) {
	return kBField(fmt.Sprintf("/proc/%d/status", pid), key)
}

// kBField reads a "Key:   N kB" line of a /proc file (status, meminfo)
// and returns N in bytes.
func kBField(file, key string) (int64, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, key); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				n, err := strconv.ParseInt(f[0], 10, 64)
				return n << 10, err
			}
		}
	}
	return 0, fmt.Errorf("%s has no %s", file, key)
}

// cgroupMemory returns the memory charged to the cgroup pid is in (its
// memory controller's: v1 memory.usage_in_bytes, v2 memory.current), the
// cgroup's directory, and the PSS of every process in it.
func cgroupMemory(pid int) (usage int64, dir string, pss int64, err error) {
	dir, file, err := memoryCgroupDir(pid)
	if err != nil {
		return 0, "", 0, err
	}
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return 0, dir, 0, err
	}
	usage, err = strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if procs, e := os.ReadFile(filepath.Join(dir, "cgroup.procs")); e == nil {
		for _, p := range strings.Fields(string(procs)) {
			if n, e := strconv.Atoi(p); e == nil {
				if _, ps, e := procMem(n); e == nil {
					pss += ps
				}
			}
		}
	}
	return usage, dir, pss, err
}

// memoryCgroupDir finds the directory of pid's memory cgroup: the v1
// memory hierarchy when one is mounted (v1 and hybrid hosts), else the
// cgroup2 one, and the file that holds its usage.
func memoryCgroupDir(pid int) (string, string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return "", "", err
	}
	var v1, v2 string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		parts := strings.SplitN(l, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			v2 = parts[2]
		}
		for _, c := range strings.Split(parts[1], ",") {
			if c == "memory" {
				v1 = parts[2]
			}
		}
	}
	var v1Mount, v2Mount string
	for _, m := range cgroupMounts() {
		switch {
		case m.v2 && v2Mount == "":
			v2Mount = m.dir
		case m.opts["memory"] && v1Mount == "":
			v1Mount = m.dir
		}
	}
	switch {
	case v1 != "" && v1Mount != "":
		return filepath.Join(v1Mount, v1), "memory.usage_in_bytes", nil
	case v2 != "" && v2Mount != "":
		return filepath.Join(v2Mount, v2), "memory.current", nil
	}
	return "", "", fmt.Errorf("process %d: no memory cgroup found in /proc/%d/cgroup", pid, pid)
}

type cgroupMount struct {
	dir  string
	v2   bool
	opts map[string]bool
}

// cgroupMounts lists the cgroup hierarchies mounted here, from
// /proc/self/mountinfo.
func cgroupMounts() []cgroupMount {
	ms, err := nsdemo.Mounts(0, mountinfo.FSTypeFilter("cgroup", "cgroup2"))
	if err != nil {
		return nil
	}
	var out []cgroupMount
	for _, i := range ms {
		m := cgroupMount{dir: i.Mountpoint, v2: i.FSType == "cgroup2", opts: map[string]bool{}}
		for _, o := range strings.Split(i.VFSOptions, ",") {
			m.opts[o] = true
		}
		out = append(out, m)
	}
	return out
}

// removeEmptyCgroup removes the directory name in every hierarchy where
// it is left empty (runc removes a container's cgroup, not its parent).
func removeEmptyCgroup(name string) {
	for _, m := range cgroupMounts() {
		os.Remove(filepath.Join(m.dir, name))
	}
}

// memAvailable is MemAvailable from /proc/meminfo, in bytes.
func memAvailable() (int64, error) {
	return meminfo("MemAvailable:")
}

func meminfo(key string) (int64, error) { return kBField("/proc/meminfo", key) }
