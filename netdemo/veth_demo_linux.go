package netdemo

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/vishvananda/netlink"
)

// Neighbour is an ARP entry: an address and the MAC it was learnt for.
type Neighbour struct {
	IP    string `json:"ip"`
	MAC   string `json:"mac"`
	State string `json:"state"`
}

// NSEnd is one namespace's view of its end of a link.
type NSEnd struct {
	NS          string      `json:"netns"`
	Inode       uint64      `json:"netnsInode"`
	If          string      `json:"if"`
	Ifindex     int         `json:"ifindex"`
	PeerIfindex int         `json:"peerIfindex"` // IFLA_LINK: the other end's index, in the other namespace
	MAC         string      `json:"mac"`
	Address     string      `json:"address"`
	Neighbours  []Neighbour `json:"neighbours"`
}

// VethResult is what VethDemo saw.
type VethResult struct {
	HostInode uint64       `json:"hostNetnsInode"`
	Ends      []NSEnd      `json:"ends"`
	Pings     []PingResult `json:"pings"`
	Removed   []string     `json:"removed"`
}

// VethDemo joins two new namespaces with a veth pair, gives each end an
// address of 10.99.0.0/24, pings each from the other (ICMP echo, in Go)
// and reads back each end's ifindex, its peer's and the ARP entries the
// ping made the kernel learn. Nothing touches the host's namespace: the
// pair is created inside the first namespace and one end moved to the
// second. Everything is removed before it returns.
func VethDemo(ctx context.Context, opts ...Option) (res *VethResult, err error) {
	sfx := demoSuffix()
	var u undo
	defer func() {
		u.finish(&err)
		if res != nil {
			res.Removed = u.removed
		}
	}()
	res = &VethResult{HostInode: HostNSInode()}
	labels := []string{Prefix + sfx + "-a", Prefix + sfx + "-b"}
	addrs := []*net.IPNet{
		{IP: net.IPv4(10, 99, 0, 1).To4(), Mask: net.CIDRMask(24, 32)},
		{IP: net.IPv4(10, 99, 0, 2).To4(), Mask: net.CIDRMask(24, 32)},
	}
	var nss [2]*NS
	for i, l := range labels {
		if nss[i], err = NewNS(l); err != nil {
			return res, err
		}
		n := nss[i]
		u.push("netns "+l, n.Close)
	}
	// Both ends start in namespace a; veth-b then moves to b. When a
	// namespace dies the kernel deletes its interfaces, and deleting one
	// end deletes the pair, so closing the namespaces removes the veth.
	a, err := nss[0].Links()
	if err != nil {
		return res, err
	}
	// Closed by the undo stack, after the veth is deleted through it.
	u.fns = append(u.fns, func() error { a.Close(); return nil })
	if _, err := a.AddVeth("veth-a", "veth-b"); err != nil {
		return res, err
	}
	u.push("veth pair veth-a/veth-b", func() error { return a.Delete("veth-a") })
	if err := a.MoveTo("veth-b", nss[1]); err != nil {
		return res, err
	}
	for i, n := range nss {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if err := configureEnd(n, []string{"veth-a", "veth-b"}[i], addrs[i]); err != nil {
			return res, err
		}
	}
	for i, n := range nss {
		p, err := Ping(ctx, n, addrs[1-i].IP, 3, 2*time.Second)
		if err != nil {
			return res, err
		}
		res.Pings = append(res.Pings, p)
	}
	for i, n := range nss {
		end, err := readEnd(n, []string{"veth-a", "veth-b"}[i])
		if err != nil {
			return res, err
		}
		res.Ends = append(res.Ends, end)
	}
	var hints []string
	for _, n := range nss {
		hints = append(hints, "nsenter --net="+n.Path()+" ip -d addr   # "+n.Label)
	}
	hints = append(hints, "nsenter --net="+nss[0].Path()+" ip neigh")
	applyOptions(opts).pauseNow(ctx, hints)
	return res, nil
}

// configureEnd sets lo and the interface up and gives it addr.
func configureEnd(n *NS, ifName string, addr *net.IPNet) error {
	l, err := n.Links()
	if err != nil {
		return err
	}
	defer l.Close()
	for _, name := range []string{"lo", ifName} {
		if err := l.Up(name); err != nil {
			return err
		}
	}
	return l.AddAddr(ifName, addr)
}

// readEnd reads an interface's indexes, MAC, address and ARP entries.
//
// Equivalent to: ip -n NS -d link show IF; ip -n NS addr show IF; ip -n NS neigh show dev IF
func readEnd(n *NS, ifName string) (NSEnd, error) {
	l, err := n.Links()
	if err != nil {
		return NSEnd{}, err
	}
	defer l.Close()
	link, err := l.Get(ifName)
	if err != nil {
		return NSEnd{}, err
	}
	at := link.Attrs()
	end := NSEnd{NS: n.Label, Inode: n.Inode, If: ifName, Ifindex: at.Index, PeerIfindex: at.ParentIndex, MAC: at.HardwareAddr.String()}
	addrs, err := l.h.AddrList(link, netlink.FAMILY_V4)
	if err != nil {
		return end, fmt.Errorf("addresses of %s in %s: %w", ifName, n.Label, err)
	}
	if len(addrs) > 0 {
		end.Address = addrs[0].IPNet.String()
	}
	neighs, err := l.h.NeighList(at.Index, netlink.FAMILY_V4)
	if err != nil {
		return end, fmt.Errorf("ARP table of %s in %s: %w", ifName, n.Label, err)
	}
	for _, ne := range neighs {
		end.Neighbours = append(end.Neighbours, Neighbour{IP: ne.IP.String(), MAC: ne.HardwareAddr.String(), State: neighState(ne.State)})
	}
	return end, nil
}

func neighState(s int) string {
	names := []struct {
		bit  int
		name string
	}{
		{netlink.NUD_INCOMPLETE, "INCOMPLETE"}, {netlink.NUD_REACHABLE, "REACHABLE"}, {netlink.NUD_STALE, "STALE"},
		{netlink.NUD_DELAY, "DELAY"}, {netlink.NUD_PROBE, "PROBE"}, {netlink.NUD_FAILED, "FAILED"},
		{netlink.NUD_NOARP, "NOARP"}, {netlink.NUD_PERMANENT, "PERMANENT"},
	}
	for _, n := range names {
		if s&n.bit != 0 {
			return n.name
		}
	}
	return fmt.Sprintf("0x%x", s)
}
