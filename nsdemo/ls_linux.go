package nsdemo

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// ListOptions filter vitro ns ls.
type ListOptions struct {
	PID  int    // only the namespaces of this process (lsns --task); 0 for all
	Type string // only this type; "" for all
}

// List reads every process's /proc/<pid>/ns/* and groups them into
// namespaces, as lsns does. Processes that exit while it reads are
// skipped.
//
// Shell equivalent: lsns [--task PID] [--type TYPE]
func List(opts ListOptions) ([]Namespace, error) {
	if opts.Type != "" {
		if err := CheckType(opts.Type); err != nil {
			return nil, err
		}
	}
	var only map[string]uint64
	if opts.PID != 0 {
		only = map[string]uint64{}
		for _, t := range Types {
			ino, err := Inode(opts.PID, t.Name)
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil, fmt.Errorf("--pid %d: no such process: see ps for running processes", opts.PID)
				}
				return nil, err
			}
			only[t.Name] = ino
		}
	}
	d, err := os.Open("/proc")
	if err != nil {
		return nil, err
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return nil, err
	}
	var ms []ProcNS
	users := map[int]string{}
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		var st unix.Stat_t
		if unix.Stat("/proc/"+n, &st) != nil {
			continue
		}
		cmd := strings.TrimSpace(strings.ReplaceAll(readString("/proc/"+n+"/cmdline"), "\x00", " "))
		if cmd == "" { // kernel threads have no command line
			cmd = "[" + readTrim("/proc/"+n+"/comm") + "]"
		}
		for _, t := range Types {
			if opts.Type != "" && t.Name != opts.Type {
				continue
			}
			ino, err := Inode(pid, t.Name)
			if err != nil {
				continue
			}
			if only != nil && only[t.Name] != ino {
				continue
			}
			ms = append(ms, ProcNS{PID: pid, Type: t.Name, Inode: ino, UID: int(st.Uid), Command: cmd})
		}
	}
	out := Aggregate(ms)
	for i := range out {
		uid := out[i].UID
		name, ok := users[uid]
		if !ok {
			name = strconv.Itoa(uid)
			if u, err := user.LookupId(name); err == nil {
				name = u.Username
			}
			users[uid] = name
		}
		out[i].User = name
	}
	return out, nil
}
