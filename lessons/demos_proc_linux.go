package lessons

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/table"
	"github.com/vitro-dev/vitro/internal/table/tabletext"
	"github.com/vitro-dev/vitro/internal/trace"
	"github.com/vitro-dev/vitro/nsdemo"
	"golang.org/x/sys/unix"
)

// The first lesson's own live steps: they read the kernel directly, since
// they show what every process already has rather than one mechanism.

func init() {
	register(Demo{
		Name:    "proc.namespaces",
		Summary: "the namespaces vitro is in, compared with its parent's (your shell): the same",
		Command: "ls -l /proc/self/ns /proc/1/ns",
		Run:     runProcNamespaces,
	})
	register(Demo{
		Name:    "proc.container",
		Summary: "start a process in new UTS and PID namespaces: one process, two PIDs, one kernel",
		Command: "unshare --uts --pid --fork sh -c 'hostname box; echo $$; uname -r'",
		Run:     runProcContainer,
	})
	reexec.Register("lessons-container", containerChild)
}

// ProcNamespaces is the result of proc.namespaces.
type ProcNamespaces struct {
	PID       int     `json:"pid"`
	Parent    int     `json:"parent"`
	ParentCmd string  `json:"parentCommand"`
	Rows      []NSRow `json:"rows"` // Host is the parent, Inside is this process
}

// The parent rather than PID 1: in some sandboxes PID 1 belongs to an
// outer user namespace and its ns links cannot be read even by root.
func runProcNamespaces(context.Context, Options) (Result, error) {
	r := &ProcNamespaces{PID: os.Getpid(), Parent: os.Getppid()}
	r.ParentCmd = comm(r.Parent)
	for _, row := range mustTypes() {
		one, err := nsdemo.Inode(r.Parent, row)
		if err != nil {
			return nil, err
		}
		self, err := nsdemo.Inode(r.PID, row)
		if err != nil {
			return nil, err
		}
		r.Rows = append(r.Rows, NSRow{Type: row, Host: one, Inside: self})
	}
	return r, nil
}

// WriteText prints the two columns of inodes.
func (r *ProcNamespaces) WriteText(w io.Writer) error {
	t := table.Table{Title: fmt.Sprintf("vitro is PID %d; its parent is PID %d (%s).", r.PID, r.Parent, r.ParentCmd),
		Header: []string{"namespace", "its parent", "vitro"}}
	for _, row := range r.Rows {
		t.Append(row.Type, fmt.Sprint(row.Host), fmt.Sprint(row.Inside))
	}
	return tabletext.Write(w, t)
}

// Evidence: every inode equal.
func (r *ProcNamespaces) Evidence() []Evidence {
	same := 0
	for _, row := range r.Rows {
		if !row.Differs() {
			same++
		}
	}
	return []Evidence{evidence(same == len(r.Rows) && same > 0,
		"vitro and its parent share every namespace", "%d of %d types have the same inode", same, len(r.Rows))}
}

// ProcContainer is the result of proc.container.
type ProcContainer struct {
	HostPID        int     `json:"hostPID"`
	InsidePID      int     `json:"insidePID"`
	InsideParent   int     `json:"insideParent"`
	HostHostname   string  `json:"hostHostname"`
	InsideHostname string  `json:"insideHostname"`
	HostKernel     string  `json:"hostKernel"`
	InsideKernel   string  `json:"insideKernel"`
	HostNSpid      string  `json:"hostNSpid"` // the NSpid line of /proc/<pid>/status
	Namespaces     []NSRow `json:"namespaces"`
	Shell          string  `json:"shell"`
}

type containerReport struct {
	PID, PPID         int
	Hostname, Release string
}

func runProcContainer(ctx context.Context, o Options) (Result, error) {
	host := o.String("hostname", "box")
	trace.Action("clone", trace.Str("flags", "CLONE_NEWUTS|CLONE_NEWPID"))
	c, err := reexec.Launch(ctx, reexec.Spec{Entry: "lessons-container", Args: []string{host},
		CloneFlags: unix.CLONE_NEWUTS | unix.CLONE_NEWPID, Stderr: os.Stderr})
	if err != nil {
		return nil, fmt.Errorf("starting a process in new UTS and PID namespaces: %w", err)
	}
	defer c.Close()
	pipe := c.Sync
	var rep containerReport
	if err := pipe.Expect(reexec.MsgReady, &rep); err != nil {
		return nil, fmt.Errorf("child in new namespaces: %w", err)
	}
	r := &ProcContainer{
		HostPID: c.Pid, InsidePID: rep.PID, InsideParent: rep.PPID,
		InsideHostname: rep.Hostname, InsideKernel: rep.Release,
		HostNSpid: statusField(c.Pid, "NSpid"),
		Shell:     fmt.Sprintf("unshare --uts --pid --fork sh -c 'hostname %s; echo $$; uname -r'", host),
	}
	r.HostHostname, r.HostKernel = uname()
	if r.Namespaces, err = nsTable(c.Pid); err != nil {
		return nil, err
	}
	pipe.Send(reexec.MsgGo, nil)
	return r, ctx.Err()
}

// containerChild runs inside the new namespaces: it sets the hostname,
// reports what it sees, and waits to be told to go.
func containerChild() {
	pipe, err := reexec.Child()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := unix.Sethostname([]byte(os.Args[1])); err != nil {
		pipe.SendError(fmt.Errorf("sethostname %q: %w", os.Args[1], err))
		os.Exit(1)
	}
	n, rel := uname()
	pipe.Send(reexec.MsgReady, containerReport{PID: os.Getpid(), PPID: os.Getppid(), Hostname: n, Release: rel})
	pipe.Receive()
	os.Exit(0)
}

// WriteText shows the process from both sides.
func (r *ProcContainer) WriteText(w io.Writer) error {
	sides := table.Table{Header: []string{"", "on the host", "inside"}, Rows: [][]string{
		{"PID", fmt.Sprint(r.HostPID), fmt.Sprint(r.InsidePID)},
		{"parent PID", fmt.Sprint(os.Getpid()), fmt.Sprint(r.InsideParent)},
		{"hostname", r.HostHostname, r.InsideHostname},
		{"kernel", r.HostKernel, r.InsideKernel},
	}}
	return tabletext.Write(w, sides,
		table.Text("/proc/%d/status on the host says  NSpid: %s", r.HostPID, r.HostNSpid),
		nsRowsTable(r.Namespaces))
}

// Evidence: one process, two PIDs, one kernel, only uts and pid differ.
func (r *ProcContainer) Evidence() []Evidence {
	return []Evidence{
		evidence(r.InsidePID == 1 && r.HostPID > 1, "the process is PID 1 inside and an ordinary PID on the host", "inside %d, host %d", r.InsidePID, r.HostPID),
		evidence(r.InsideKernel == r.HostKernel && r.HostKernel != "", "it runs on the host's kernel", "inside %s, host %s", r.InsideKernel, r.HostKernel),
		evidence(r.InsideHostname != r.HostHostname, "its hostname is its own", "inside %s, host %s", r.InsideHostname, r.HostHostname),
		onlyDiffer(r.Namespaces, "uts", "pid"),
	}
}

// onlyDiffer checks that exactly the named namespace types differ.
func onlyDiffer(rows []NSRow, types ...string) Evidence {
	want := map[string]bool{}
	for _, t := range types {
		want[t] = true
	}
	ok := len(rows) > 0
	var differ []string
	for _, r := range rows {
		if r.Differs() {
			differ = append(differ, r.Type)
		}
		if r.Differs() != want[r.Type] {
			ok = false
		}
	}
	return evidence(ok, fmt.Sprintf("only the %v namespaces are new", types), "differing: %v", differ)
}

// nsRowsTable sets two processes' namespace inodes side by side.
func nsRowsTable(rows []NSRow) table.Table {
	t := table.Table{Header: []string{"namespace", "host inode", "inside inode", ""}}
	for _, r := range rows {
		mark := "same"
		if r.Differs() {
			mark = "NEW"
		}
		t.Append(r.Type, fmt.Sprint(r.Host), fmt.Sprint(r.Inside), mark)
	}
	return t
}

func mustTypes() []string {
	return []string{"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"}
}
