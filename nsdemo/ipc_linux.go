package nsdemo

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"unsafe"

	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/table"
	"golang.org/x/sys/unix"
)

// IPCResult is the IPC demo: System V shared memory and POSIX message
// queues made on either side are invisible on the other.
type IPCResult struct {
	Result
	HostShmKey   string   `json:"hostShmKey"`   // a segment vitro made on the host for the demo
	InsideShmKey string   `json:"insideShmKey"` // the segment the child made
	HostShm      []string `json:"hostShm"`      // keys in the host's /proc/sysvipc/shm
	InsideShm    []string `json:"insideShm"`    // keys in the child's /proc/sysvipc/shm
	HostQueue    string   `json:"hostQueue"`    // a POSIX queue vitro made on the host
	InsideQueue  string   `json:"insideQueue"`  // the queue the child made
	// What each side got when it looked for the other side's objects.
	InsideOpensHostShm   string `json:"insideOpensHostShm"`
	InsideOpensHostQueue string `json:"insideOpensHostQueue"`
	HostOpensInsideShm   string `json:"hostOpensInsideShm"`
	HostOpensInsideQueue string `json:"hostOpensInsideQueue"`
}

// Compare puts the host's IPC objects beside the child's.
func (r *IPCResult) Compare() []Row {
	return []Row{
		{"System V shm keys", strings.Join(r.HostShm, " "), strings.Join(r.InsideShm, " ")},
		{"shmget(" + r.HostShmKey + ") (host's segment)", "found", r.InsideOpensHostShm},
		{"shmget(" + r.InsideShmKey + ") (child's segment)", r.HostOpensInsideShm, "found"},
		{"mq_open(/" + r.HostQueue + ") (host's queue)", "found", r.InsideOpensHostQueue},
		{"mq_open(/" + r.InsideQueue + ") (child's queue)", r.HostOpensInsideQueue, "found"},
	}
}

// Tables lays the result out for people.
func (r *IPCResult) Tables() []table.Table { return tables(r) }

type ipcGo struct {
	HostKey, InsideKey     int
	HostQueue, InsideQueue string
}

type ipcInside struct {
	Shm                      []string
	OpensHostShm, OpensHostQ string
}

func init() { reexec.Register("nsdemo-ipc", ipcChild) }

// IPC makes a shared-memory segment and a message queue on the host, then
// starts a child in a new IPC namespace that makes its own and looks for
// the host's.
//
// Shell equivalent: unshare --ipc --fork sh -c 'ipcmk -M 4096; ipcs -m'
func IPC(ctx context.Context, opts Options) (*IPCResult, error) {
	// Keys and names unique to this process (PIDs stay below 2^22), so
	// parallel runs never meet.
	pid := os.Getpid()
	g := ipcGo{
		HostKey:     0x76000000 | (pid & 0xffffff),
		InsideKey:   0x77000000 | (pid & 0xffffff),
		HostQueue:   fmt.Sprintf("vitro-host-%d", pid),
		InsideQueue: fmt.Sprintf("vitro-inside-%d", pid),
	}
	r := &IPCResult{HostShmKey: shmKey(g.HostKey), InsideShmKey: shmKey(g.InsideKey), HostQueue: g.HostQueue, InsideQueue: g.InsideQueue}
	s, err := start(ctx, "ipc", unix.CLONE_NEWIPC, &r.Result, opts)
	if err != nil {
		return nil, err
	}
	defer s.stop()

	// The host's objects, removed whatever happens next.
	id, err := unix.SysvShmGet(g.HostKey, 4096, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	if err != nil {
		return nil, fmt.Errorf("shmget(%s) on the host: %w (a segment left by a killed run? ipcrm -M %s)", r.HostShmKey, err, r.HostShmKey)
	}
	s.onCleanup(func() { unix.SysvShmCtl(id, unix.IPC_RMID, nil) })
	s.did("shmget", fmt.Sprintf("key=%s size=4096 IPC_CREAT → id %d (host)", r.HostShmKey, id))
	q, err := mqOpen(g.HostQueue, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR)
	if err != nil {
		return nil, fmt.Errorf("mq_open(/%s) on the host: %w", g.HostQueue, err)
	}
	unix.Close(q)
	s.onCleanup(func() { mqUnlink(g.HostQueue) })
	s.did("mq_open", "/"+g.HostQueue+" O_CREAT (host)")

	var in ipcInside
	if err := s.handshake(g, &in); err != nil {
		return nil, err
	}
	r.InsideShm, r.InsideOpensHostShm, r.InsideOpensHostQueue = in.Shm, in.OpensHostShm, in.OpensHostQ
	if r.HostShm, err = shmKeys(); err != nil {
		return nil, err
	}
	r.HostOpensInsideShm = probeShm(g.InsideKey)
	r.HostOpensInsideQueue = probeQueue(g.InsideQueue)
	r.Shell = []string{
		"unshare --ipc --fork sh -c 'ipcmk -M 4096; ipcmk -Q; ipcs'",
		"ipcs   # on the host: the child's objects are not listed",
	}
	return r, s.finish(r, nil)
}

func ipcChild() {
	c := newChild()
	var g ipcGo
	c.expectGo(&g)
	in := ipcInside{OpensHostShm: probeShm(g.HostKey), OpensHostQ: probeQueue(g.HostQueue)}
	c.did("shmget", fmt.Sprintf("key=%s (the host's) → %s", shmKey(g.HostKey), in.OpensHostShm))
	id, err := unix.SysvShmGet(g.InsideKey, 4096, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	c.check("shmget inside", err)
	c.did("shmget", fmt.Sprintf("key=%s size=4096 IPC_CREAT → id %d", shmKey(g.InsideKey), id))
	q, err := mqOpen(g.InsideQueue, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR)
	c.check("mq_open inside", err)
	unix.Close(q)
	c.did("mq_open", "/"+g.InsideQueue+" O_CREAT")
	in.Shm, err = shmKeys()
	c.check("reading /proc/sysvipc/shm", err)
	// Nothing to remove: the objects die with the namespace.
	c.ready(in)
	c.serve(nil)
}

func shmKey(k int) string { return fmt.Sprintf("0x%08x", uint32(k)) }

// shmKeys lists the segments of the reader's IPC namespace: the file is
// the same path for everyone, its content depends on who reads it.
func shmKeys() ([]string, error) {
	f, err := os.Open("/proc/sysvipc/shm")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	keys := []string{}
	sc := bufio.NewScanner(f)
	for first := true; sc.Scan(); first = false {
		fs := strings.Fields(sc.Text())
		if first || len(fs) < 2 {
			continue
		}
		k, err := strconv.ParseInt(fs[0], 10, 64)
		if err != nil {
			continue
		}
		keys = append(keys, shmKey(int(k)))
	}
	return keys, sc.Err()
}

// probeShm looks a segment up by key without creating it.
func probeShm(key int) string {
	id, err := unix.SysvShmGet(key, 0, 0)
	if err != nil {
		return errText(err)
	}
	return fmt.Sprintf("found (id %d)", id)
}

func probeQueue(name string) string {
	q, err := mqOpen(name, unix.O_RDONLY)
	if err != nil {
		return errText(err)
	}
	unix.Close(q)
	return "found"
}

func errText(err error) string {
	var en unix.Errno
	if errors.As(err, &en) {
		return unix.ErrnoName(en) + " (" + en.Error() + ")"
	}
	return err.Error()
}

// mqOpen is mq_open(3) without libc: the system call takes the name
// without its leading slash.
func mqOpen(name string, flags int) (int, error) {
	p, err := unix.BytePtrFromString(name)
	if err != nil {
		return -1, err
	}
	fd, _, errno := unix.Syscall6(unix.SYS_MQ_OPEN, uintptr(unsafe.Pointer(p)), uintptr(flags|unix.O_CLOEXEC), 0o600, 0, 0, 0)
	if errno != 0 {
		return -1, errno
	}
	return int(fd), nil
}

func mqUnlink(name string) error {
	p, err := unix.BytePtrFromString(name)
	if err != nil {
		return err
	}
	if _, _, errno := unix.Syscall(unix.SYS_MQ_UNLINK, uintptr(unsafe.Pointer(p)), 0, 0); errno != 0 {
		return errno
	}
	return nil
}
