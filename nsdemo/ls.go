package nsdemo

import "sort"

// Namespace is one line of vitro ns ls, after lsns(8).
type Namespace struct {
	Type    string `json:"type"`
	Inode   uint64 `json:"inode"`
	NProcs  int    `json:"nprocs"` // processes in it
	PID     int    `json:"pid"`    // the lowest of them
	UID     int    `json:"uid"`    // owner of that process
	User    string `json:"user"`
	Command string `json:"command"` // its command line
}

// ProcNS is one process's membership in one namespace: what ns ls reads
// from /proc/<pid>/ns/<type>.
type ProcNS struct {
	PID     int
	Type    string
	Inode   uint64
	UID     int
	Command string
}

// Aggregate groups memberships into namespaces: one per (type, inode),
// counting processes and keeping the lowest PID's owner and command.
// Sorted like lsns: by type in Types order, then by inode.
func Aggregate(ms []ProcNS) []Namespace {
	type key struct {
		t   string
		ino uint64
	}
	idx := map[key]int{}
	var out []Namespace
	for _, m := range ms {
		k := key{m.Type, m.Inode}
		i, ok := idx[k]
		if !ok {
			idx[k] = len(out)
			out = append(out, Namespace{Type: m.Type, Inode: m.Inode, PID: m.PID, UID: m.UID, Command: m.Command})
			i = len(out) - 1
		}
		n := &out[i]
		n.NProcs++
		if m.PID < n.PID {
			n.PID, n.UID, n.Command = m.PID, m.UID, m.Command
		}
	}
	order := map[string]int{}
	for i, t := range Types {
		order[t.Name] = i
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Type != out[j].Type {
			return order[out[i].Type] < order[out[j].Type]
		}
		return out[i].Inode < out[j].Inode
	})
	return out
}
