package netdemo

import (
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/vishvananda/netlink"
	"github.com/vitro-dev/vitro/internal/trace"
	"golang.org/x/sys/unix"
)

// Links makes and changes interfaces in one network namespace, through a
// netlink socket opened there: the host's (HostLinks) or one of ours
// (NS.Links). Every call sends one rtnetlink message and is traced with
// its `ip` equivalent.
type Links struct {
	h   *netlink.Handle
	ns  string // "" for the host
	pid int    // the process whose namespace it is, for OpenNS; 0 otherwise
}

// HostLinks acts in this process's own namespace (the host's).
func HostLinks() Links { return Links{h: &netlink.Handle{}} }

// Links acts inside n. Close the result when done.
func (n *NS) Links() (Links, error) {
	h, err := n.Handle()
	if err != nil {
		return Links{}, err
	}
	return Links{h: h, ns: n.Label, pid: n.pid}, nil
}

// Close closes the netlink socket (a no-op for the host's).
func (l Links) Close() {
	if l.ns != "" && l.h != nil {
		l.h.Close()
	}
}

// Handle is the netlink handle, for calls this type does not wrap.
func (l Links) Handle() *netlink.Handle { return l.h }

// where names the namespace in errors.
func (l Links) where() string {
	if l.ns == "" {
		return "host"
	}
	return "namespace " + l.ns
}

// ip returns the shell equivalent's prefix: "ip" on the host, "ip -n NS"
// in a namespace of ours (as if `ip netns add NS` had made it), and
// "nsenter -t PID -n ip" in a process's.
func (l Links) ip() string {
	switch {
	case l.ns == "":
		return "ip"
	case l.pid != 0:
		return "nsenter -t " + strconv.Itoa(l.pid) + " -n ip"
	}
	return "ip -n " + l.ns
}

func (l Links) traced(action, shell string, fields ...trace.Field) {
	if !trace.Enabled(trace.Steps) {
		return
	}
	ns := "host"
	if l.ns != "" {
		ns = l.ns
	}
	trace.Action(action, append(fields, trace.Str("netns", ns))...)
	trace.Shell(l.ip() + " " + shell)
}

// Get returns the link called name.
func (l Links) Get(name string) (netlink.Link, error) {
	link, err := l.h.LinkByName(name)
	if err != nil {
		return nil, fmt.Errorf("link %s in %s: %w", name, l.where(), err)
	}
	return link, nil
}

// AddBridge creates a bridge, down and without addresses.
//
// Equivalent to: ip link add NAME type bridge
func (l Links) AddBridge(name string) (*netlink.Bridge, error) {
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: name}}
	if err := l.h.LinkAdd(br); err != nil {
		return nil, fmt.Errorf("creating bridge %s in %s: %w", name, l.where(), err)
	}
	l.traced("link add bridge", "link add "+name+" type bridge", trace.Str("name", name), trace.Int("ifindex", int64(br.Index)))
	return br, nil
}

// AddVeth creates a veth pair: two interfaces joined like the ends of a
// cable, a frame sent into one comes out of the other.
//
// Equivalent to: ip link add NAME type veth peer name PEER
func (l Links) AddVeth(name, peer string) (*netlink.Veth, error) {
	v := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: name}, PeerName: peer}
	if err := l.h.LinkAdd(v); err != nil {
		return nil, fmt.Errorf("creating veth pair %s/%s in %s: %w", name, peer, l.where(), err)
	}
	l.traced("link add veth", "link add "+name+" type veth peer name "+peer, trace.Str("name", name), trace.Str("peer", peer), trace.Int("ifindex", int64(v.Index)))
	return v, nil
}

// AddVethInto creates a veth pair whose peer is born in namespace ns,
// already named peer there: the kernel makes the second end directly in
// the target namespace, so nothing has to be moved (moving a link between
// namespaces waits for an RCU grace period, tens of milliseconds).
//
// Equivalent to: ip link add NAME type veth peer name PEER netns NS (or
// netns PID for a namespace opened by OpenNS)
func (l Links) AddVethInto(name, peer string, ns *NS) (*netlink.Veth, error) {
	v := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: name}, PeerName: peer, PeerNamespace: netlink.NsFd(ns.FD())}
	if err := l.h.LinkAdd(v); err != nil {
		return nil, fmt.Errorf("creating veth pair %s (here, in %s) / %s (in namespace %s): %w", name, l.where(), peer, ns.Label, err)
	}
	l.traced("link add veth", "link add "+name+" type veth peer name "+peer+" netns "+ns.shellName(),
		trace.Str("name", name), trace.Str("peer", peer), trace.Str("peer_netns", ns.Label), trace.Int("ifindex", int64(v.Index)))
	return v, nil
}

// MoveTo moves interface name into namespace ns. It keeps its name
// (unless taken there) but gets a new ifindex there.
//
// Equivalent to: ip link set NAME netns NS
func (l Links) MoveTo(name string, ns *NS) error {
	link, err := l.Get(name)
	if err != nil {
		return err
	}
	if err := l.h.LinkSetNsFd(link, ns.FD()); err != nil {
		return fmt.Errorf("moving %s from %s to namespace %s: %w", name, l.where(), ns.Label, err)
	}
	// ip accepts a name from /run/netns or a PID
	l.traced("link set netns", "link set "+name+" netns "+ns.shellName(), trace.Str("name", name), trace.Str("to", ns.Label), trace.Int("to_inode", int64(ns.Inode)))
	return nil
}

// MoveToPID moves interface name into the network namespace of process
// pid, such as a container's init.
//
// Equivalent to: ip link set NAME netns PID
func (l Links) MoveToPID(name string, pid int) error {
	link, err := l.Get(name)
	if err != nil {
		return err
	}
	if err := l.h.LinkSetNsPid(link, pid); err != nil {
		return fmt.Errorf("moving %s from %s to the namespace of PID %d: %w", name, l.where(), pid, err)
	}
	if trace.Enabled(trace.Steps) {
		l.traced("link set netns", fmt.Sprintf("link set %s netns %d", name, pid), trace.Str("name", name), trace.Int("pid", int64(pid)))
	}
	return nil
}

// Rename renames a link, which must be down.
//
// Equivalent to: ip link set OLD name NEW
func (l Links) Rename(old, name string) error {
	link, err := l.Get(old)
	if err != nil {
		return err
	}
	if err := l.h.LinkSetName(link, name); err != nil {
		return fmt.Errorf("renaming %s to %s in %s: %w", old, name, l.where(), err)
	}
	l.traced("link set name", "link set "+old+" name "+name, trace.Str("old", old), trace.Str("name", name))
	return nil
}

// Up sets a link administratively up.
//
// Equivalent to: ip link set NAME up
func (l Links) Up(name string) error {
	link, err := l.Get(name)
	if err != nil {
		return err
	}
	if err := l.h.LinkSetUp(link); err != nil {
		return fmt.Errorf("setting %s up in %s: %w", name, l.where(), err)
	}
	l.traced("link set up", "link set "+name+" up", trace.Str("name", name))
	return nil
}

// SetMaster attaches a link to a bridge, as a port of it.
//
// Equivalent to: ip link set NAME master BRIDGE
func (l Links) SetMaster(name, bridge string) error {
	link, err := l.Get(name)
	if err != nil {
		return err
	}
	br, err := l.Get(bridge)
	if err != nil {
		return err
	}
	if err := l.h.LinkSetMasterByIndex(link, br.Attrs().Index); err != nil {
		return fmt.Errorf("attaching %s to bridge %s in %s: %w", name, bridge, l.where(), err)
	}
	l.traced("link set master", "link set "+name+" master "+bridge, trace.Str("name", name), trace.Str("bridge", bridge))
	return nil
}

// AddAddr puts an address on a link; the kernel adds the route to the
// address's subnet through that link.
//
// Equivalent to: ip addr add ADDR dev NAME
func (l Links) AddAddr(name string, addr *net.IPNet) error {
	link, err := l.Get(name)
	if err != nil {
		return err
	}
	if err := l.h.AddrAdd(link, &netlink.Addr{IPNet: addr}); err != nil {
		return fmt.Errorf("adding address %s to %s in %s: %w", addr, name, l.where(), err)
	}
	l.traced("addr add", "addr add "+addr.String()+" dev "+name, trace.Str("addr", addr.String()), trace.Str("dev", name))
	return nil
}

// AddDefaultRoute sends everything without a better route to gw.
//
// Equivalent to: ip route add default via GW dev NAME
func (l Links) AddDefaultRoute(name string, gw net.IP) error {
	link, err := l.Get(name)
	if err != nil {
		return err
	}
	r := &netlink.Route{LinkIndex: link.Attrs().Index, Gw: gw, Scope: netlink.SCOPE_UNIVERSE}
	if err := l.h.RouteAdd(r); err != nil {
		return fmt.Errorf("adding default route via %s dev %s in %s: %w", gw, name, l.where(), err)
	}
	l.traced("route add", "route add default via "+gw.String()+" dev "+name, trace.Str("gateway", gw.String()), trace.Str("dev", name))
	return nil
}

// Delete removes a link; deleting one end of a veth pair removes both.
// A link that is already gone is not an error.
//
// Equivalent to: ip link delete NAME
func (l Links) Delete(name string) error {
	link, err := l.h.LinkByName(name)
	var nf netlink.LinkNotFoundError
	if errors.As(err, &nf) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("link %s in %s: %w", name, l.where(), err)
	}
	if err := l.h.LinkDel(link); err != nil && !errors.Is(err, unix.ENODEV) {
		return fmt.Errorf("deleting %s in %s: %w", name, l.where(), err)
	}
	l.traced("link delete", "link delete "+name, trace.Str("name", name))
	return nil
}

// Routes lists the namespace's IPv4 routes in the main table, each with
// the name of its device. A route whose device is deleted between the
// two dumps is left out (it went with its device), and a dump that
// another process's change interrupted is read again: a busy host (a
// hundred containers starting at once) must never turn into a route on
// a device with no name.
//
// Equivalent to: ip route show
func (l Links) Routes() ([]Route, error) {
	rs, err := dumpAgain(func() ([]netlink.Route, error) { return l.h.RouteList(nil, netlink.FAMILY_V4) })
	if err != nil {
		return nil, fmt.Errorf("listing routes in %s: %w", l.where(), err)
	}
	links, err := dumpAgain(l.h.LinkList)
	if err != nil {
		return nil, fmt.Errorf("listing links in %s: %w", l.where(), err)
	}
	names := make(map[int]string, len(links))
	for _, k := range links {
		names[k.Attrs().Index] = k.Attrs().Name
	}
	out := make([]Route, 0, len(rs))
	for _, r := range rs {
		name, ok := names[r.LinkIndex]
		if !ok && r.LinkIndex != 0 {
			continue // its device is gone, and the route with it
		}
		out = append(out, Route{Dst: r.Dst, Device: name})
	}
	trace.KernelEvent("RTM_GETROUTE", trace.Str("netns", l.where()), trace.Int("routes", int64(len(out))))
	return out, nil
}

// dumpAgain runs a netlink dump until the kernel says it was consistent:
// a change made while the dump ran (a link added by another process) sets
// NLM_F_DUMP_INTR on it, and netlink returns ErrDumpInterrupted with a
// partial result that must not be trusted.
func dumpAgain[T any](dump func() ([]T, error)) ([]T, error) {
	for i := 0; ; i++ {
		out, err := dump()
		if !errors.Is(err, netlink.ErrDumpInterrupted) || i == 20 {
			return out, err
		}
	}
}

// CheckSubnetFree refuses a subnet that overlaps a route of the host,
// other than one through ignoreDevice (the bridge's own).
func CheckSubnetFree(subnet *net.IPNet, ignoreDevice string) error {
	routes, err := HostLinks().Routes()
	if err != nil {
		return err
	}
	return CheckOverlap(subnet, routes, ignoreDevice)
}
