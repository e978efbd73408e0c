package fsdemo

import (
	"bufio"
	"os"
	"strings"
)

// FilesystemSupported reports whether the running kernel lists fstype in
// /proc/filesystems (built in, or its module already loaded).
//
// Shell equivalent: grep -w overlay /proc/filesystems
func FilesystemSupported(fstype string) (bool, error) {
	f, err := os.Open("/proc/filesystems")
	if err != nil {
		return false, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) > 0 && fs[len(fs)-1] == fstype {
			return true, nil
		}
	}
	return false, sc.Err()
}
