package nsdemo

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/table"
	"golang.org/x/sys/unix"
)

// Proc is one process in a listing.
type Proc struct {
	PID     int    `json:"pid"`
	PPID    int    `json:"ppid"`
	Command string `json:"command"`
}

// HostProc is a process of the new PID namespace as the host numbers it,
// with its number inside (the last field of NSpid in /proc/<pid>/status).
type HostProc struct {
	HostPID   int    `json:"hostPID"`
	InsidePID int    `json:"insidePID"`
	NSpid     string `json:"nspid"`
	Command   string `json:"command"`
}

// PIDResult is the PID demo: the child is PID 1 of its namespace, numbers
// start again from there, and PID 1 inherits and reaps orphans.
type PIDResult struct {
	Result
	InsidePID     int        `json:"insidePID"`     // getpid() in the child: 1
	InsidePPID    int        `json:"insidePPID"`    // getppid(): 0, its parent is outside
	SecondPID     int        `json:"secondPID"`     // the first process the child started: the next free number
	Threads       []int      `json:"threads"`       // thread IDs of PID 1: threads take numbers from the same space
	InsideProcs   []Proc     `json:"insideProcs"`   // /proc of the namespace with 1, 2, 3 running
	OrphanPID     int        `json:"orphanPID"`     // started by the second, left behind when it exited
	OrphanPPID    int        `json:"orphanPPID"`    // its parent after 2 exited: 1
	ReapedPID     int        `json:"reapedPID"`     // what wait4 returned to PID 1
	HostProcs     []HostProc `json:"hostProcs"`     // the namespace's processes seen from the host
	HostProcCount int        `json:"hostProcCount"` // processes the host sees in all
	InsideCount   int        `json:"insideCount"`   // processes the child sees in all
}

// Compare puts the host's numbering beside the child's.
func (r *PIDResult) Compare() []Row {
	rows := []Row{
		{"PID of the demo process", strconv.Itoa(r.ChildPID), strconv.Itoa(r.InsidePID)},
		{"its parent", strconv.Itoa(os.Getpid()) + " (vitro)", strconv.Itoa(r.InsidePPID) + " (outside the namespace)"},
		{"processes visible", strconv.Itoa(r.HostProcCount), strconv.Itoa(r.InsideCount)},
	}
	for _, p := range r.HostProcs {
		rows = append(rows, Row{"process " + p.Command, fmt.Sprintf("PID %d (NSpid %s)", p.HostPID, p.NSpid), "PID " + strconv.Itoa(p.InsidePID)})
	}
	rows = append(rows,
		Row{"threads of PID 1 (Go starts several)", "", fmt.Sprint(r.Threads)},
		Row{"second process started inside", "", "PID " + strconv.Itoa(r.SecondPID) + " (the next free number: PID 1's threads took some)"},
		Row{"orphan's parent after its parent exited", "", fmt.Sprintf("PID %d's PPID = %d", r.OrphanPID, r.OrphanPPID)},
		Row{"wait4 by PID 1 reaped", "", "PID " + strconv.Itoa(r.ReapedPID)},
	)
	return rows
}

// Tables lays the result out for people.
func (r *PIDResult) Tables() []table.Table { return tables(r) }

type pidInside struct {
	PID, PPID, Second, Orphan, OrphanPPID, Count int
	Procs                                        []Proc
	Threads                                      []int
}

type pidBye struct{ Reaped int }

func init() {
	reexec.Register("nsdemo-pid", pidChild)
	reexec.Register("nsdemo-pid-spawner", pidSpawner)
	reexec.Register("nsdemo-idle", idle)
}

// PID starts a child in a new PID namespace. It is PID 1 there; it starts
// a process that starts another and exits, leaving an orphan that the
// kernel hands to PID 1, which reaps it. Thread IDs and PIDs are one
// number space, and a Go PID 1 has threads before it can start anything,
// so the second process gets the first number after PID 1's threads (a
// single-threaded shell's first child would get 2).
//
// Shell equivalent: unshare --pid --fork sh -c 'echo $$; sh -c "sleep 60 &"; sleep 1; ps -o pid,ppid,comm'
// (ps needs the namespace's own /proc: unshare --pid --fork --mount-proc)
func PID(ctx context.Context, opts Options) (*PIDResult, error) {
	r := &PIDResult{}
	s, err := start(ctx, "pid", unix.CLONE_NEWPID, &r.Result, opts)
	if err != nil {
		return nil, err
	}
	defer s.stop()
	var in pidInside
	if err := s.handshake(nil, &in); err != nil {
		return nil, err
	}
	r.InsidePID, r.InsidePPID, r.SecondPID = in.PID, in.PPID, in.Second
	r.OrphanPID, r.OrphanPPID, r.InsideProcs, r.InsideCount = in.Orphan, in.OrphanPPID, in.Procs, in.Count
	r.Threads = in.Threads
	if r.HostProcs, r.HostProcCount, err = hostViewOfPIDNS(r.ChildPID); err != nil {
		return nil, err
	}
	r.Shell = []string{
		"unshare --pid --fork --mount-proc sh -c 'echo $$; ps -o pid,ppid,comm'   # --mount-proc adds a mount namespace for ps",
		"grep NSpid /proc/PID/status   # on the host: host PID, then the PID inside",
	}
	var bye pidBye
	err = s.finish(r, &bye)
	r.ReapedPID = bye.Reaped
	return r, err
}

func pidChild() {
	c := newChild()
	c.expectGo(nil)
	in := pidInside{PID: os.Getpid(), PPID: os.Getppid()}
	c.did("getpid", fmt.Sprintf("→ %d, getppid → %d", in.PID, in.PPID))

	// This process's /proc is still the host's (no new mount namespace).
	// A procfs instance made now belongs to the caller's PID namespace; it
	// is created detached (fsopen/fsmount), never attached anywhere, so
	// the host's mount table is untouched.
	proc, err := procInstance()
	c.check("fsopen(proc)", err)
	defer proc.Close()
	c.did("fsopen+fsmount", `"proc", detached: a /proc of this PID namespace`)

	spawner := reexec.Command("nsdemo-pid-spawner")
	stdin, err := spawner.StdinPipe()
	c.check("pipe", err)
	stdout, err := spawner.StdoutPipe()
	c.check("pipe", err)
	spawner.Stderr = os.Stderr
	c.check("starting a second process", spawner.Start())
	in.Second = spawner.Process.Pid
	c.did("clone", fmt.Sprintf("second process → PID %d", in.Second))
	line, err := bufio.NewReader(stdout).ReadString('\n')
	c.check("reading the orphan's PID", err)
	in.Orphan, _ = strconv.Atoi(strings.TrimSpace(line))
	in.Procs, err = listProcs(proc)
	c.check("listing processes", err)
	in.Threads = tasks(proc, 1)

	stdin.Close() // the spawner exits, its child is orphaned
	spawner.Wait()
	in.OrphanPPID = ppidOf(proc, in.Orphan)
	c.did("exit", fmt.Sprintf("PID %d exited; PID %d's parent is now %d", in.Second, in.Orphan, in.OrphanPPID))
	all, err := listProcs(proc)
	c.check("listing processes", err)
	in.Count = len(all)
	c.ready(in)
	c.serve(func() any {
		// As init of the namespace, reap the orphan before going.
		unix.Kill(in.Orphan, unix.SIGKILL)
		var ws unix.WaitStatus
		pid, _ := unix.Wait4(in.Orphan, &ws, 0, nil)
		return pidBye{Reaped: pid}
	})
}

// pidSpawner starts an idle process, prints its PID, and exits when its
// standard input closes, orphaning it.
func pidSpawner() {
	cmd := reexec.Command("nsdemo-idle")
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "vitro:", err)
		os.Exit(1)
	}
	fmt.Println(cmd.Process.Pid)
	io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}

// idle waits to be killed.
func idle() {
	for {
		unix.Pause()
	}
}

// hostViewOfPIDNS finds, in the host's /proc, the processes whose PID
// namespace is the child's, with both their numbers.
func hostViewOfPIDNS(child int) ([]HostProc, int, error) {
	ns, err := Inode(child, "pid")
	if err != nil {
		return nil, 0, err
	}
	host, err := os.Open("/proc")
	if err != nil {
		return nil, 0, err
	}
	defer host.Close()
	names, err := host.Readdirnames(-1)
	if err != nil {
		return nil, 0, err
	}
	var out []HostProc
	count := 0
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		count++
		if ino, err := Inode(pid, "pid"); err != nil || ino != ns {
			continue
		}
		nspid := statusField("/proc/"+n+"/status", "NSpid")
		f := strings.Fields(nspid)
		if len(f) == 0 {
			continue
		}
		inside, _ := strconv.Atoi(f[len(f)-1])
		out = append(out, HostProc{HostPID: pid, InsidePID: inside, NSpid: nspid, Command: cmdline(host, pid)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].InsidePID < out[j].InsidePID })
	return out, count, nil
}
