package netdemo

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// FDBEntry is a row of the bridge's forwarding database: the MAC table a
// switch learns from the source addresses of the frames it forwards.
type FDBEntry struct {
	MAC       string `json:"mac"`
	Port      string `json:"port"`
	Permanent bool   `json:"permanent"` // the port's own address, not learnt
	Owner     string `json:"owner,omitempty"`
}

// BridgeResult is what BridgeDemo saw.
type BridgeResult struct {
	Bridge    string     `json:"bridge"`
	Index     int        `json:"ifindex"`
	Endpoints []Endpoint `json:"endpoints"`
	Hosts     []string   `json:"hosts"` // namespace labels, the matrix's order
	// Matrix[i][j] is the ping from Hosts[i] to Hosts[j]'s address.
	Matrix  [][]PingResult `json:"matrix"`
	FDB     []FDBEntry     `json:"fdb"`
	Removed []string       `json:"removed"`
}

// BridgeDemo makes a bridge on the host and n namespaces, each connected
// to it with Connect (the same call `vitro run` makes) and given
// 10.99.1.(i+2)/24; it pings every namespace from every other and reads
// the MAC table the bridge learnt. The bridge has no address: the host
// takes no part in the traffic, which stays between the namespaces.
func BridgeDemo(ctx context.Context, n int, opts ...Option) (res *BridgeResult, err error) {
	if n < 2 || n > 16 {
		return nil, fmt.Errorf("--hosts %d: want 2 to 16 namespaces", n)
	}
	sfx := demoSuffix()
	var u undo
	defer func() {
		u.finish(&err)
		if res != nil {
			res.Removed = u.removed
		}
	}()
	host := HostLinks()
	res = &BridgeResult{Bridge: Prefix + sfx + "-br"}
	br, err := host.AddBridge(res.Bridge)
	if err != nil {
		return res, err
	}
	u.push("bridge "+res.Bridge, func() error { return host.Delete(res.Bridge) })
	res.Index = br.Index
	if err := host.Up(res.Bridge); err != nil {
		return res, err
	}
	nss := make([]*NS, n)
	addrs := make([]*net.IPNet, n)
	for i := range nss {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		label := fmt.Sprintf("%s%s-%d", Prefix, sfx, i)
		if nss[i], err = NewNS(label); err != nil {
			return res, err
		}
		u.push("netns "+label, nss[i].Close)
		hostIf := fmt.Sprintf("%s%sp%d", Prefix, sfx, i) // ≤ 13 bytes for n ≤ 16
		ep, err := Connect(res.Bridge, nss[i], hostIf, "eth0")
		if err != nil {
			return res, err
		}
		u.push("veth "+hostIf, func() error { return Disconnect(hostIf) })
		addrs[i] = &net.IPNet{IP: net.IPv4(10, 99, 1, byte(i+2)).To4(), Mask: net.CIDRMask(24, 32)}
		if err := ep.Configure(nss[i], addrs[i], nil); err != nil {
			return res, err
		}
		res.Hosts = append(res.Hosts, label)
		res.Endpoints = append(res.Endpoints, *ep)
	}
	res.Matrix = make([][]PingResult, n)
	for i := range nss {
		res.Matrix[i] = make([]PingResult, n)
		for j := range nss {
			if i == j {
				continue
			}
			if res.Matrix[i][j], err = Ping(ctx, nss[i], addrs[j].IP, 1, 2*time.Second); err != nil {
				return res, err
			}
		}
	}
	if res.FDB, err = bridgeFDB(br.Index, res.Endpoints, res.Hosts); err != nil {
		return res, err
	}
	applyOptions(opts).pauseNow(ctx, []string{
		"ip -br link show master " + res.Bridge,
		"bridge fdb show br " + res.Bridge,
		"nsenter --net=" + nss[0].Path() + " ip addr show eth0   # " + nss[0].Label,
	})
	return res, nil
}

// bridgeFDB reads the bridge's MAC table and names whose MAC each
// learnt entry is.
//
// Equivalent to: bridge fdb show br BRIDGE
func bridgeFDB(brIndex int, eps []Endpoint, labels []string) ([]FDBEntry, error) {
	neighs, err := netlink.NeighListExecute(netlink.Ndmsg{Family: unix.AF_BRIDGE, Index: 0})
	if err != nil {
		return nil, fmt.Errorf("reading the bridge's forwarding database: %w", err)
	}
	ports := map[int]string{}
	owners := map[string]string{}
	for i, ep := range eps {
		ports[ep.HostIndex] = ep.HostIf
		owners[ep.MAC] = "eth0 in " + labels[i]
	}
	var out []FDBEntry
	for _, ne := range neighs {
		port, ok := ports[ne.LinkIndex]
		if !ok || ne.MasterIndex != brIndex || ne.Vlan > 1 {
			continue
		}
		perm := ne.State&netlink.NUD_PERMANENT != 0
		if perm && ne.Vlan == 1 {
			continue // the same permanent entry again, for the default VLAN
		}
		out = append(out, FDBEntry{MAC: ne.HardwareAddr.String(), Port: port, Permanent: perm, Owner: owners[ne.HardwareAddr.String()]})
	}
	return out, nil
}
