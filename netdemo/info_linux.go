package netdemo

import (
	"errors"
	"fmt"
	"net"
	"sort"

	"github.com/vishvananda/netlink"
)

// BridgeTable names the nftables table holding a bridge's NAT rules: the
// bridge's own name, so `nft list table ip vitro0` shows vitro0's rules.
// The engine and `vitro net info` agree on it through this function.
func BridgeTable(bridge string) string { return bridge }

// InfoAddress is an address of the bridge's subnet in use, as the pool
// and the kernel see it.
type InfoAddress struct {
	Address string `json:"address"`
	Owner   string `json:"owner,omitempty"` // from the pool; "" if the pool does not know it
	MAC     string `json:"mac,omitempty"`   // from the bridge's ARP table; "" if not seen
	Since   string `json:"since,omitempty"`
	Source  string `json:"source"` // "gateway", "pool", "kernel" or "pool+kernel"
}

// Info describes vitro's bridge, read off the kernel and the pool.
type Info struct {
	Bridge     string        `json:"bridge"`
	BIP        string        `json:"bip"` // from the config
	Subnet     string        `json:"subnet"`
	Gateway    string        `json:"gateway"`
	Exists     bool          `json:"exists"`
	Ifindex    int           `json:"ifindex,omitempty"`
	MAC        string        `json:"mac,omitempty"`
	State      string        `json:"state,omitempty"`
	Addresses  []string      `json:"addresses"` // on the bridge, from the kernel
	Ports      []string      `json:"ports"`     // links whose master is the bridge
	PoolFile   string        `json:"poolFile"`
	InUse      []InfoAddress `json:"inUse"`
	Capacity   int           `json:"capacity"`
	NATTable   string        `json:"natTable"`
	NATRules   []RuleInfo    `json:"natRules"`
	NATError   string        `json:"natError,omitempty"`   // why the rules could not be read
	RouteClash string        `json:"routeClash,omitempty"` // a host route the subnet overlaps, if any
}

// NetInfo reads the state of bridge and of pool, the bridge's address
// pool (whose subnet is bip's). It changes nothing; a bridge that does
// not exist yet is reported as such.
//
// Equivalent to: ip -d link show BRIDGE; ip addr show BRIDGE; ip neigh show dev BRIDGE;
// bridge link; cat <run-root>/network/BRIDGE.json; nft list table ip BRIDGE
func NetInfo(bridge, bip string, pool *Pool) (*Info, error) {
	s, err := ParseSubnet(bip)
	if err != nil {
		return nil, fmt.Errorf("bip %w", err)
	}
	in := &Info{Bridge: bridge, BIP: bip, Subnet: s.Net.String(), Gateway: s.Gateway.String(), Capacity: s.Capacity(), NATTable: BridgeTable(bridge)}
	if err := CheckSubnetFree(s.Net, bridge); err != nil {
		in.RouteClash = err.Error()
	}
	byAddr := map[string]*InfoAddress{}
	add := func(ip, source string) *InfoAddress {
		a, ok := byAddr[ip]
		if !ok {
			a = &InfoAddress{Address: ip, Source: source}
			byAddr[ip] = a
		} else if a.Source != source && a.Source != "gateway" {
			a.Source = a.Source + "+" + source
		}
		return a
	}
	host := HostLinks()
	link, err := host.h.LinkByName(bridge)
	var nf netlink.LinkNotFoundError
	switch {
	case errors.As(err, &nf):
	case err != nil:
		return nil, fmt.Errorf("looking up bridge %s: %w", bridge, err)
	default:
		if err := readBridge(host, link, in, s, add); err != nil {
			return nil, err
		}
	}
	in.PoolFile = pool.Path()
	st, err := pool.read() // no lock needed to look, and none taken: info needs no write access
	if err != nil {
		return nil, err
	}
	for ip, al := range st.Allocated {
		a := add(ip, "pool")
		a.Owner, a.Since = al.Owner, al.Since.Format("2006-01-02 15:04:05")
	}
	for _, a := range byAddr {
		in.InUse = append(in.InUse, *a)
	}
	sort.Slice(in.InUse, func(i, j int) bool {
		return ip4ToUint(net.ParseIP(in.InUse[i].Address)) < ip4ToUint(net.ParseIP(in.InUse[j].Address))
	})
	// Reading nftables needs CAP_NET_ADMIN: without it, say so rather
	// than show an empty table.
	if in.NATRules, err = ListRules(in.NATTable); err != nil {
		in.NATRules, in.NATError = nil, err.Error()
	}
	return in, nil
}

func readBridge(host Links, link netlink.Link, in *Info, s Subnet, add func(ip, source string) *InfoAddress) error {
	at := link.Attrs()
	in.Exists, in.Ifindex, in.MAC, in.State = true, at.Index, at.HardwareAddr.String(), at.OperState.String()
	addrs, err := host.h.AddrList(link, netlink.FAMILY_V4)
	if err != nil {
		return fmt.Errorf("addresses of %s: %w", in.Bridge, err)
	}
	for _, a := range addrs {
		in.Addresses = append(in.Addresses, a.IPNet.String())
		if s.Net.Contains(a.IP) {
			add(a.IP.String(), "gateway").Owner = "bridge " + in.Bridge
		}
	}
	links, err := host.h.LinkList()
	if err != nil {
		return fmt.Errorf("listing links: %w", err)
	}
	for _, l := range links {
		if l.Attrs().MasterIndex == at.Index {
			in.Ports = append(in.Ports, l.Attrs().Name)
		}
	}
	neighs, err := host.h.NeighList(at.Index, netlink.FAMILY_V4)
	if err != nil {
		return fmt.Errorf("ARP table of %s: %w", in.Bridge, err)
	}
	for _, n := range neighs {
		if s.Net.Contains(n.IP) && n.HardwareAddr != nil {
			add(n.IP.String(), "kernel").MAC = n.HardwareAddr.String()
		}
	}
	return nil
}
