package netdemo

import (
	"fmt"
	"net"

	"github.com/vitro-dev/vitro/internal/trace"
)

// Endpoint is a container's connection to a bridge: a veth pair whose
// host end is a port of the bridge and whose other end is eth0 inside
// the container's namespace.
//
//	 host namespace                        container namespace
//	┌───────────────────────────────┐     ┌────────────────────────┐
//	│ vitro0 (bridge, 10.98.0.1/16) │     │                        │
//	│    └── port: veth1a2b3c ──────┼─────┼── eth0 10.98.0.2/16    │
//	└───────────────────────────────┘     │  default via 10.98.0.1 │
//	                                      └────────────────────────┘
type Endpoint struct {
	Bridge    string `json:"bridge"`
	HostIf    string `json:"hostIf"`
	HostIndex int    `json:"hostIfindex"`
	IfName    string `json:"ifName"` // inside: eth0
	Index     int    `json:"ifindex"`
	PeerIndex int    `json:"peerIfindex"` // the inside end's IFLA_LINK: the host end's index
	MAC       string `json:"mac"`
	NSInode   uint64 `json:"netnsInode"`
	Address   string `json:"address,omitempty"`
	Gateway   string `json:"gateway,omitempty"`
}

// Connect is step 4 of `vitro run`: it creates a veth pair whose host
// end, hostIf, is attached to the bridge and whose other end is created
// directly inside ns as ifName (eth0), and sets lo and both ends up. On
// failure it deletes the pair, so nothing is left half-made.
//
// Equivalent to:
//
//	ip link add HOSTIF type veth peer name eth0 netns NS
//	ip link set HOSTIF master BRIDGE && ip link set HOSTIF up
//	ip -n NS link set eth0 up && ip -n NS link set lo up
func Connect(bridge string, ns *NS, hostIf, ifName string) (ep *Endpoint, err error) {
	if len(hostIf) > 15 {
		return nil, fmt.Errorf("veth name %q: at most 15 characters", hostIf)
	}
	host := HostLinks()
	// The inside end is born in the container's namespace with its final
	// name: no move, no rename.
	if _, err := host.AddVethInto(hostIf, ifName, ns); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			host.Delete(hostIf) // takes the peer with it, wherever it is
		}
	}()
	if err := host.SetMaster(hostIf, bridge); err != nil {
		return nil, err
	}
	if err := host.Up(hostIf); err != nil {
		return nil, err
	}
	in, err := ns.Links()
	if err != nil {
		return nil, err
	}
	defer in.Close()
	for _, name := range []string{"lo", ifName} {
		if err := in.Up(name); err != nil {
			return nil, err
		}
	}
	hl, err := host.Get(hostIf)
	if err != nil {
		return nil, err
	}
	il, err := in.Get(ifName)
	if err != nil {
		return nil, err
	}
	ep = &Endpoint{Bridge: bridge, HostIf: hostIf, HostIndex: hl.Attrs().Index, IfName: ifName,
		Index: il.Attrs().Index, PeerIndex: il.Attrs().ParentIndex, MAC: il.Attrs().HardwareAddr.String(), NSInode: ns.Inode}
	trace.Action("endpoint connected", trace.Str("bridge", bridge), trace.Str("host_if", hostIf), trace.Int("host_ifindex", int64(ep.HostIndex)),
		trace.Str("if", ifName), trace.Int("ifindex", int64(ep.Index)), trace.Int("netns_inode", int64(ns.Inode)))
	return ep, nil
}

// Configure is step 5 of `vitro run`: it puts addr on the endpoint's
// interface inside ns and routes everything else via gw, the bridge.
//
// Equivalent to:
//
//	ip -n NS addr add ADDR dev eth0
//	ip -n NS route add default via GW dev eth0
func (ep *Endpoint) Configure(ns *NS, addr *net.IPNet, gw net.IP) error {
	in, err := ns.Links()
	if err != nil {
		return err
	}
	defer in.Close()
	if err := in.AddAddr(ep.IfName, addr); err != nil {
		return err
	}
	if gw != nil {
		if err := in.AddDefaultRoute(ep.IfName, gw); err != nil {
			return err
		}
		ep.Gateway = gw.String()
	}
	ep.Address = addr.String()
	return nil
}

// Disconnect deletes the endpoint's veth pair from the host side, which
// removes eth0 inside too.
func Disconnect(hostIf string) error { return HostLinks().Delete(hostIf) }
