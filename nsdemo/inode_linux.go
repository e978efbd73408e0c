package nsdemo

import (
	"fmt"
	"strconv"

	"golang.org/x/sys/unix"
)

// Inode returns the inode of /proc/<pid>/ns/<typ>: the namespace's
// identity. Two processes are in the same namespace exactly when these
// are equal (readlink shows it too: "uts:[4026531838]").
//
// Shell equivalent: stat -L -c %i /proc/PID/ns/TYPE
func Inode(pid int, typ string) (uint64, error) {
	return InodeAt("/proc/"+strconv.Itoa(pid), typ)
}

// InodeAt reads the namespace inode under a /proc directory: /proc/<pid>,
// /proc/thread-self, or a process's directory in another /proc mount
// (/proc/<pid>/root/proc/1).
func InodeAt(dir, typ string) (uint64, error) {
	var st unix.Stat_t
	p := dir + "/ns/" + typ
	if err := unix.Stat(p, &st); err != nil {
		return 0, fmt.Errorf("stat %s: %w", p, err)
	}
	return st.Ino, nil
}

// InodeTable compares every namespace type of two processes.
func InodeTable(host, inside int) ([]InodeRow, error) {
	h, err := inodesAt("/proc/" + strconv.Itoa(host))
	if err != nil {
		return nil, err
	}
	return inodeTable(h, inside)
}

// inodesAt reads all eight namespace inodes under a /proc directory.
func inodesAt(dir string) (map[string]uint64, error) {
	m := make(map[string]uint64, len(Types))
	for _, t := range Types {
		ino, err := InodeAt(dir, t.Name)
		if err != nil {
			return nil, err
		}
		m[t.Name] = ino
	}
	return m, nil
}

// inodeTable compares host inodes read earlier with process inside's.
func inodeTable(host map[string]uint64, inside int) ([]InodeRow, error) {
	rows := make([]InodeRow, 0, len(Types))
	for _, t := range Types {
		h := host[t.Name]
		i, err := Inode(inside, t.Name)
		if err != nil {
			return nil, err
		}
		rows = append(rows, InodeRow{Type: t.Name, Host: h, Inside: i, Differs: h != i})
	}
	return rows, nil
}
