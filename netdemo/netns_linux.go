package netdemo

import (
	"fmt"
	"os"
	"runtime"
	"strconv"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"github.com/vitro-dev/vitro/internal/trace"
	"github.com/vitro-dev/vitro/nsdemo"
	"golang.org/x/sys/unix"
)

// NS is a network namespace held open by a file descriptor. The kernel
// keeps a namespace alive while anything refers to it: a process, a bind
// mount (what `ip netns add` makes in /run/netns) or an open fd. vitro's
// demos use the fd alone, so a namespace they make vanishes with them
// even if they are killed: nothing is left in /run/netns.
type NS struct {
	Label string // a name for people; not registered anywhere
	Inode uint64 // the namespace's identity, as in /proc/<pid>/ns/net -> net:[inode]
	fd    int
	pid   int  // for OpenNS: the process it came from
	named bool // for OpenNamedNS: it lives on in /run/netns
}

// NewNS makes a new, empty network namespace (only a down lo in it).
//
// unshare(CLONE_NEWNET) moves the calling thread into the new namespace,
// so it runs on a locked OS thread in a goroutine of its own (see inNS).
//
// Shell equivalent: ip netns add LABEL
func NewNS(label string) (*NS, error) {
	type result struct {
		fd  int
		err error
	}
	ch := make(chan result, 1)
	go onOwnThread(func() {
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			ch <- result{-1, fmt.Errorf("unshare(CLONE_NEWNET) for namespace %s: %w", label, err)}
			return
		}
		fd, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			err = fmt.Errorf("opening the new namespace %s: %w", label, err)
		}
		ch <- result{fd, err}
	})
	r := <-ch
	if r.err != nil {
		return nil, r.err
	}
	n := &NS{Label: label, fd: r.fd}
	n.Inode = fdInode(r.fd)
	trace.KernelEvent("unshare", trace.Hex("flags", unix.CLONE_NEWNET), trace.Str("ns", label), trace.Int("inode", int64(n.Inode)))
	trace.Action("netns create", trace.Str("ns", label), trace.Int("inode", int64(n.Inode)))
	trace.Shell("ip netns add " + label)
	return n, nil
}

// OpenNS opens the network namespace of process pid, such as a
// container's init. The process may exit; the fd keeps the namespace.
//
// Its shell equivalents name it by PID (`netns PID`, `nsenter -t PID -n`):
// `ip -n` takes only names from /run/netns, and the label ("container
// ID") is none.
func OpenNS(pid int, label string) (*NS, error) {
	path := "/proc/" + strconv.Itoa(pid) + "/ns/net"
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("opening network namespace of PID %d: %w", pid, err)
	}
	n := &NS{Label: label, fd: fd, Inode: fdInode(fd), pid: pid}
	trace.KernelEvent("open", trace.Str("path", path), trace.Int("inode", int64(n.Inode)))
	return n, nil
}

// OpenNamedNS opens a network namespace that `ip netns add NAME` made:
// the namespace file bind-mounted at /run/netns/NAME. Closing the result
// drops only this reference; the namespace stays until `ip netns delete`.
func OpenNamedNS(name string) (*NS, error) {
	path := "/run/netns/" + name
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("no network namespace %s (%s): %w", name, path, err)
	}
	n := &NS{Label: name, fd: fd, Inode: fdInode(fd), named: true}
	trace.KernelEvent("open", trace.Str("path", path), trace.Int("inode", int64(n.Inode)))
	return n, nil
}

func fdInode(fd int) uint64 {
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil {
		return 0
	}
	return st.Ino
}

// Path is a path to the namespace that works from any process while this
// one holds it: /proc/PID/fd/FD. `nsenter --net=PATH` enters it.
func (n *NS) Path() string { return fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), n.fd) }

// shellName is how `ip` names the namespace in a shell equivalent: the
// PID for a process's namespace (`ip link ... netns PID` accepts one), the
// label otherwise (as if `ip netns add LABEL` had put it in /run/netns,
// which is the first line the equivalents of NewNS print).
func (n *NS) shellName() string {
	if n.pid != 0 {
		return strconv.Itoa(n.pid)
	}
	return n.Label
}

// shellExec is the shell equivalent's prefix for running a command inside
// the namespace: `nsenter -t PID -n` for a process's, `ip netns exec
// LABEL` for one of ours.
func (n *NS) shellExec() string {
	if n.pid != 0 {
		return "nsenter -t " + strconv.Itoa(n.pid) + " -n"
	}
	return "ip netns exec " + n.Label
}

// FD is the namespace's file descriptor, for setns(2) or
// netlink.LinkSetNsFd. It is valid until Close.
func (n *NS) FD() int { return n.fd }

// Close drops this reference. The namespace dies when its last
// reference goes; the kernel then deletes the interfaces in it (a veth's
// peer with it).
//
// Shell equivalent: ip netns delete LABEL
func (n *NS) Close() error {
	if n == nil || n.fd < 0 {
		return nil
	}
	err := unix.Close(n.fd)
	n.fd = -1
	trace.Action("netns release", trace.Str("ns", n.Label), trace.Int("inode", int64(n.Inode)))
	if n.pid == 0 && !n.named { // a process's, or a named one, lives on
		trace.Shell("ip netns delete " + n.Label)
	}
	return err
}

// Handle returns a netlink handle whose socket lives in the namespace:
// every call on it acts there, while this thread stays where it is. The
// caller closes it (Handle.Close). Only a NETLINK_ROUTE socket is opened
// (links, addresses, routes, neighbours): without the list, the library
// also opens XFRM and netfilter sockets, which fail where their modules
// cannot be loaded.
func (n *NS) Handle() (*netlink.Handle, error) {
	h, err := netlink.NewHandleAt(netns.NsHandle(n.fd), unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("netlink socket in namespace %s: %w", n.Label, err)
	}
	return h, nil
}

// Do runs fn on an OS thread that has joined the namespace, for what
// netlink handles cannot do: opening sockets. A socket belongs to the
// namespace it was created in for its whole life, so fn can open a
// listener or a raw socket and hand it out; other goroutines may then use
// it from any thread.
//
// The thread is locked for the switch and switched back afterwards (see
// onOwnThread).
//
// Shell equivalent: ip netns exec LABEL ... (nsenter -t PID -n ... for a
// process's namespace)
func (n *NS) Do(fn func() error) error {
	ch := make(chan error, 1)
	go onOwnThread(func() {
		if err := unix.Setns(n.fd, unix.CLONE_NEWNET); err != nil {
			ch <- fmt.Errorf("setns into namespace %s: %w", n.Label, err)
			return
		}
		trace.KernelEvent("setns", trace.Str("ns", n.Label), trace.Hex("nstype", unix.CLONE_NEWNET), trace.Int("tid", int64(unix.Gettid())))
		ch <- fn()
	})
	return <-ch
}

// onOwnThread runs fn, which may change the thread's network namespace,
// on a locked OS thread, and then puts the thread back in the namespace
// it started in. Namespaces belong to threads, not processes: a thread
// left in the wrong one and handed back to the Go scheduler would run
// some other goroutine there. So only if switching back worked is the
// thread unlocked; if not, it stays locked and the runtime ends it with
// this goroutine. (Switching back is needed even so: the process's main
// thread is never ended, only parked, and would keep the namespace
// alive.) Call it as `go onOwnThread(...)`.
func onOwnThread(fn func()) {
	runtime.LockOSThread()
	orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		fn() // cannot come back: the thread is discarded
		return
	}
	defer unix.Close(orig)
	fn()
	if unix.Setns(orig, unix.CLONE_NEWNET) == nil {
		runtime.UnlockOSThread()
	}
}

// HostNSInode is the inode of this process's own network namespace.
// 0 if it cannot be read.
func HostNSInode() uint64 {
	ino, _ := nsdemo.Inode(os.Getpid(), "net")
	return ino
}
