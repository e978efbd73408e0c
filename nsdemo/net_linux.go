package nsdemo

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/vishvananda/netlink"
	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/table"
	"golang.org/x/sys/unix"
)

// Link is one network interface as a side sees it.
type Link struct {
	Index int      `json:"index"`
	Name  string   `json:"name"`
	Type  string   `json:"type"` // netlink's kind: device, veth, bridge, ipip ...
	Up    bool     `json:"up"`
	Addrs []string `json:"addrs,omitempty"`
}

// NetResult is the network demo: a new network namespace has only a
// loopback, down, and bringing it up leaves the host's alone. (When
// tunnel drivers such as ipip or sit are loaded, the kernel also puts
// their fallback devices, tunl0, sit0 ..., down, in every new namespace
// unless net.core.fb_tunnels_only_for_init_net is set.)
type NetResult struct {
	Result
	HostLinks         []Link `json:"hostLinks"`
	InsideLinks       []Link `json:"insideLinks"`      // as the child found them: lo, down
	InsideLinksAfter  []Link `json:"insideLinksAfter"` // after ip link set lo up
	HostLoopback      Link   `json:"hostLoopback"`     // before the child touched its lo
	HostLoopbackAfter Link   `json:"hostLoopbackAfter"`
}

// Compare puts the host's interfaces beside the child's.
func (r *NetResult) Compare() []Row {
	return []Row{
		{"interfaces", linkNames(r.HostLinks), linkNames(r.InsideLinks)},
		{"lo at start", linkState(r.HostLoopback), linkState(first(r.InsideLinks))},
		{"lo after ip link set lo up inside", linkState(r.HostLoopbackAfter), linkState(first(r.InsideLinksAfter))},
	}
}

// Tables lays the result out for people.
func (r *NetResult) Tables() []table.Table { return tables(r) }

func first(ls []Link) Link {
	if len(ls) == 0 {
		return Link{}
	}
	return ls[0]
}

// linkNames shows up to six links, then how many more: a busy host has
// dozens, and the point is that the child has one.
func linkNames(ls []Link) string {
	var n []string
	for i, l := range ls {
		if i == 6 {
			n = append(n, fmt.Sprintf("… (%d in all)", len(ls)))
			break
		}
		n = append(n, fmt.Sprintf("%d:%s", l.Index, l.Name))
	}
	return strings.Join(n, " ")
}

func linkState(l Link) string {
	state := "DOWN"
	if l.Up {
		state = "UP"
	}
	s := fmt.Sprintf("%s %s", l.Name, state)
	if len(l.Addrs) > 0 {
		s += " " + strings.Join(l.Addrs, " ")
	}
	return s
}

type netInside struct{ Before, After []Link }

func init() { reexec.Register("nsdemo-net", netChild) }

// Net starts a child in a new network namespace that lists its interfaces
// and brings its loopback up.
//
// Shell equivalent: unshare --net --fork sh -c 'ip link; ip link set lo up; ip addr'
func Net(ctx context.Context, opts Options) (*NetResult, error) {
	r := &NetResult{}
	var err error
	if r.HostLinks, err = links(); err != nil {
		return nil, err
	}
	if r.HostLoopback, err = loopback(); err != nil {
		return nil, err
	}
	s, err := start(ctx, "net", unix.CLONE_NEWNET, &r.Result, opts)
	if err != nil {
		return nil, err
	}
	defer s.stop()
	var in netInside
	if err := s.handshake(nil, &in); err != nil {
		return nil, err
	}
	r.InsideLinks, r.InsideLinksAfter = in.Before, in.After
	if r.HostLoopbackAfter, err = loopback(); err != nil {
		return nil, err
	}
	r.Shell = []string{
		"unshare --net --fork sh -c 'ip link; ip link set lo up; ip addr show lo'",
		"ip link   # on the host: all its interfaces, lo untouched",
	}
	return r, s.finish(r, nil)
}

func netChild() {
	c := newChild()
	c.expectGo(nil)
	before, err := links()
	c.check("listing links (RTM_GETLINK)", err)
	c.did("RTM_GETLINK", fmt.Sprintf("dump → %s", linkNames(before)))
	lo, err := netlink.LinkByName("lo")
	c.check("finding lo", err)
	c.check("ip link set lo up", netlink.LinkSetUp(lo))
	c.did("RTM_NEWLINK", fmt.Sprintf("lo (index %d) flags |= IFF_UP   (ip link set lo up)", lo.Attrs().Index))
	after, err := links()
	c.check("listing links", err)
	c.ready(netInside{Before: before, After: after})
	c.serve(nil)
}

// links lists the interfaces of the caller's network namespace, over
// netlink, with their IPv4 and IPv6 addresses.
func links() ([]Link, error) {
	ls, err := netlink.LinkList()
	if err != nil {
		return nil, fmt.Errorf("listing links: %w", err)
	}
	out := make([]Link, 0, len(ls))
	for _, l := range ls {
		a := l.Attrs()
		lk := Link{Index: a.Index, Name: a.Name, Type: l.Type(), Up: a.Flags&net.FlagUp != 0}
		addrs, err := netlink.AddrList(l, netlink.FAMILY_ALL)
		if err != nil {
			return nil, fmt.Errorf("listing addresses of %s: %w", a.Name, err)
		}
		for _, ad := range addrs {
			lk.Addrs = append(lk.Addrs, ad.IPNet.String())
		}
		out = append(out, lk)
	}
	return out, nil
}

func loopback() (Link, error) {
	ls, err := links()
	if err != nil {
		return Link{}, err
	}
	for _, l := range ls {
		if l.Name == "lo" {
			return l, nil
		}
	}
	return Link{}, fmt.Errorf("no lo interface in this network namespace")
}
