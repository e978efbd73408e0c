package nsdemo

import (
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// A procfs shows the processes of the PID namespace it was made in. The
// PID demo's child makes one with the new mount API and never attaches
// it: fsopen("proc") and FSCONFIG_CMD_CREATE build the filesystem,
// fsmount returns a file descriptor on its root, and reads go through
// openat relative to that descriptor. No mount table changes anywhere.
//
// Shell equivalent (which does attach it, so needs its own mount
// namespace): unshare --mount --propagation private mount -t proc proc /proc

// procInstance returns a directory fd on a new, detached procfs.
func procInstance() (*os.File, error) {
	fsfd, err := unix.Fsopen("proc", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fsfd)
	if err := unix.FsconfigCreate(fsfd); err != nil {
		return nil, err
	}
	mfd, err := unix.Fsmount(fsfd, unix.FSMOUNT_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(mfd)
	fd, err := unix.Openat(mfd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), "proc"), nil
}

// listProcs reads every numbered directory of a procfs.
func listProcs(proc *os.File) ([]Proc, error) {
	if _, err := proc.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	names, err := proc.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	var ps []Proc
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		ps = append(ps, Proc{PID: pid, PPID: ppidOf(proc, pid), Command: cmdline(proc, pid)})
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].PID < ps[j].PID })
	return ps, nil
}

// tasks lists the thread IDs of pid.
func tasks(proc *os.File, pid int) []int {
	fd, err := unix.Openat(int(proc.Fd()), strconv.Itoa(pid)+"/task", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	d := os.NewFile(uintptr(fd), "task")
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	var ids []int
	for _, n := range names {
		if id, err := strconv.Atoi(n); err == nil {
			ids = append(ids, id)
		}
	}
	sort.Ints(ids)
	return ids
}

func readAt(dir *os.File, name string) string {
	fd, err := unix.Openat(int(dir.Fd()), name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return ""
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	b, _ := io.ReadAll(f)
	return string(b)
}

func ppidOf(proc *os.File, pid int) int {
	return ppidFromStat(readAt(proc, strconv.Itoa(pid)+"/stat"))
}

// ppidFromStat takes the fourth field of /proc/<pid>/stat; the second,
// "(comm)", may hold spaces, so count from the last ')'.
func ppidFromStat(stat string) int {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < 2 {
		return -1
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

func cmdline(proc *os.File, pid int) string {
	return strings.TrimSpace(strings.ReplaceAll(readAt(proc, strconv.Itoa(pid)+"/cmdline"), "\x00", " "))
}
