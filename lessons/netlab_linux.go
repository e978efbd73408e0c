package lessons

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"github.com/vitro-dev/vitro/internal/trace"
	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/sys/unix"
)

// What the network labs share: named network namespaces (as `ip netns
// add` makes them: a bind mount of the namespace file in /run/netns, so
// that the student's ip commands find them), link lookups, and a ping
// sent only between namespaces the lab made.

const netnsDir = "/run/netns"

// netnsCreate makes a named network namespace.
//
// The namespace is made by unshare(CLONE_NEWNET) on a locked OS thread
// that is never unlocked, so it is retired with its goroutine and no
// other code ever runs in the new namespace.
//
// Shell equivalent: ip netns add NAME
func netnsCreate(name string) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		h, err := netns.NewNamed(name)
		if err == nil {
			h.Close()
		}
		done <- err
	}()
	if err := <-done; err != nil {
		return fmt.Errorf("ip netns add %s: %w", name, err)
	}
	trace.Action("netns add", trace.Str("name", name), trace.Str("path", filepath.Join(netnsDir, name)))
	trace.Shell("ip netns add " + name)
	return nil
}

// netnsExists tells whether /run/netns/NAME is a mounted namespace file.
func netnsExists(name string) bool {
	var st unix.Statfs_t
	return unix.Statfs(filepath.Join(netnsDir, name), &st) == nil && st.Type == unix.NSFS_MAGIC
}

// netnsDelete removes a named namespace; its links go with it.
//
// Shell equivalent: ip netns delete NAME
func netnsDelete(name string) (bool, error) {
	p := filepath.Join(netnsDir, name)
	if _, err := os.Stat(p); err != nil {
		return false, nil
	}
	if err := netns.DeleteNamed(name); err != nil {
		return false, fmt.Errorf("ip netns delete %s: %w", name, err)
	}
	trace.Action("netns delete", trace.Str("name", name))
	trace.Shell("ip netns delete " + name)
	return true, nil
}

// linkIn finds a link by name in the named namespace ("" is the host's).
func linkIn(ns, name string) (netlink.Link, []netlink.Addr, error) {
	h := &netlink.Handle{}
	if ns != "" {
		nh, err := netns.GetFromName(ns)
		if err != nil {
			return nil, nil, fmt.Errorf("no network namespace %s", ns)
		}
		defer nh.Close()
		if h, err = netlink.NewHandleAt(nh, unix.NETLINK_ROUTE); err != nil {
			return nil, nil, err
		}
		defer h.Close()
	}
	l, err := h.LinkByName(name)
	if err != nil {
		return nil, nil, err
	}
	addrs, err := h.AddrList(l, netlink.FAMILY_V4)
	return l, addrs, err
}

func hasAddr(addrs []netlink.Addr, cidr string) bool {
	for _, a := range addrs {
		if a.IPNet.String() == cidr {
			return true
		}
	}
	return false
}

func isUp(l netlink.Link) bool { return l.Attrs().Flags&net.FlagUp != 0 }

// pingFrom sends one ICMP echo from inside the named namespace to dst and
// waits up to a second for the reply. The socket is opened on a thread
// that joined the namespace (a socket belongs to the namespace it was
// made in) and the thread is then retired.
//
// Shell equivalent: ip netns exec NS ping -c 1 -W 1 DST
func pingFrom(ctx context.Context, ns string, dst net.IP) error {
	type opened struct {
		c   *icmp.PacketConn
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		runtime.LockOSThread()
		h, err := netns.GetFromName(ns)
		if err != nil {
			ch <- opened{err: err}
			return
		}
		defer h.Close()
		if err := netns.Set(h); err != nil {
			ch <- opened{err: err}
			return
		}
		c, err := icmp.ListenPacket("ip4:icmp", "0.0.0.0")
		ch <- opened{c, err}
	}()
	o := <-ch
	if o.err != nil {
		return fmt.Errorf("opening an ICMP socket in %s: %w", ns, o.err)
	}
	c := o.c
	defer c.Close()
	id := os.Getpid() & 0xffff
	msg := icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{ID: id, Seq: 1, Data: []byte("vitro lab")}}
	b, err := msg.Marshal(nil)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	c.SetDeadline(deadline)
	if _, err := c.WriteTo(b, &net.IPAddr{IP: dst}); err != nil {
		return fmt.Errorf("sending to %s: %w", dst, err)
	}
	buf := make([]byte, 1500)
	for {
		n, from, err := c.ReadFrom(buf)
		if err != nil {
			return fmt.Errorf("no reply from %s within a second", dst)
		}
		m, err := icmp.ParseMessage(1, buf[:n])
		if err != nil || m.Type != ipv4.ICMPTypeEchoReply {
			continue
		}
		if e, ok := m.Body.(*icmp.Echo); ok && e.ID == id && from.String() == dst.String() {
			return nil
		}
	}
}
