package nsdemo

import (
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/moby/sys/mountinfo"
)

// This file is vitro's one reader of /proc/PID/mountinfo. It parses with
// github.com/moby/sys/mountinfo (octal escapes, optional fields, the " - "
// separator), and everything that looks at a mount table — the namespace
// and filesystem demos, the engine's trace, the labs' checks — comes here.

// Mounts reads the mount table of process pid (0: the calling thread's,
// /proc/thread-self) and returns the entries filter keeps (nil: all), in
// the kernel's order: a mount comes after the one it is mounted on.
//
// Shell equivalent: findmnt -N PID
func Mounts(pid int, filter mountinfo.FilterFunc) ([]*mountinfo.Info, error) {
	p := "/proc/thread-self/mountinfo"
	if pid > 0 {
		p = "/proc/" + strconv.Itoa(pid) + "/mountinfo"
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("reading the mount table of pid %d: %w", pid, err)
	}
	defer f.Close()
	ms, err := mountinfo.GetMountsFromReader(f, filter)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", p, err)
	}
	return ms, nil
}

// MountTable reads the mount table of process pid (0: this thread's) as
// a lesson shows it.
//
// Shell equivalent: cat /proc/PID/mountinfo (findmnt -N PID)
func MountTable(pid int) ([]MountEntry, error) {
	ms, err := Mounts(pid, nil)
	if err != nil {
		return nil, err
	}
	return entries(ms), nil
}

// ParseMountTable parses mountinfo text read elsewhere, such as what a
// container's init read inside the container and sent over its socket.
func ParseMountTable(r io.Reader) ([]MountEntry, error) {
	ms, err := mountinfo.GetMountsFromReader(r, nil)
	if err != nil {
		return nil, fmt.Errorf("parsing mountinfo: %w", err)
	}
	return entries(ms), nil
}

func entries(ms []*mountinfo.Info) []MountEntry {
	out := make([]MountEntry, 0, len(ms))
	for _, i := range ms {
		out = append(out, MountEntry{ID: i.ID, Parent: i.Parent, Mountpoint: i.Mountpoint, FSType: i.FSType,
			Source: i.Source, Root: i.Root, Options: i.Options, Propagation: propagation(i.Optional)})
	}
	return out
}
