package lessons

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/vitro-dev/vitro/netdemo"
)

// Live steps from netdemo: every packet goes only between namespaces the
// demo made, or over loopback.

func init() {
	register(Demo{Name: "net.veth", Summary: "two namespaces joined by a veth pair, and a ping across",
		Command: "vitro net veth", Run: runVeth})
	register(Demo{Name: "net.bridge", Summary: "a bridge with N namespaces on it: all-pairs pings and the learnt MAC table",
		Command: "vitro net bridge --hosts 3", Run: runBridge})
	register(Demo{Name: "net.ipam", Summary: "an address pool: allocate, release, reuse, full",
		Command: "vitro net ipam", Run: runIPAM})
	register(Demo{Name: "net.publish", Summary: "a server in a namespace reached through a published port on the host",
		Command: "vitro net publish -p 8080:80", Run: runPublish})
}

func runVeth(ctx context.Context, _ Options) (Result, error) {
	r, err := netdemo.VethDemo(ctx)
	if err != nil {
		return nil, err
	}
	m := &Measured{Demo: "net.veth", Result: r}
	var rows [][]string
	for _, e := range r.Ends {
		var neigh []string
		for _, n := range e.Neighbours {
			neigh = append(neigh, n.IP+" at "+n.MAC)
		}
		rows = append(rows, []string{e.NS, fmt.Sprint(e.Inode), e.If, fmt.Sprint(e.Ifindex), fmt.Sprint(e.PeerIfindex), e.Address, strings.Join(neigh, ", ")})
	}
	m.table("", []string{"netns", "inode", "link", "ifindex", "peer ifindex", "address", "arp"}, rows...)
	m.table("", []string{"ping from", "to", "sent", "received", "rtt"}, pingRows(r.Pings)...)
	m.shell = []string{"ip netns add a; ip netns add b", "ip link add va netns a type veth peer name vb netns b",
		"ip -n a addr add 10.0.0.1/24 dev va; ip -n b addr add 10.0.0.2/24 dev vb",
		"ip -n a link set va up; ip -n b link set vb up", "ip netns exec a ping -c1 10.0.0.2"}
	ok := len(r.Pings) > 0
	for _, p := range r.Pings {
		ok = ok && p.Received > 0
	}
	m.fact(ok, "each end reaches the other", "%d ping(s), all answered: %v", len(r.Pings), ok)
	peers := len(r.Ends) == 2 && r.Ends[0].PeerIfindex == r.Ends[1].Ifindex && r.Ends[1].PeerIfindex == r.Ends[0].Ifindex
	m.fact(peers, "each end's peer index is the other end's index", "%v", peers)
	return m, nil
}

func pingRows(ps []netdemo.PingResult) [][]string {
	var rows [][]string
	for _, p := range ps {
		rows = append(rows, []string{p.From, p.To, fmt.Sprint(p.Sent), fmt.Sprint(p.Received), p.RTT.String()})
	}
	return rows
}

func runBridge(ctx context.Context, o Options) (Result, error) {
	n, err := o.Int("hosts", 3)
	if err != nil {
		return nil, err
	}
	r, err := netdemo.BridgeDemo(ctx, n)
	if err != nil {
		return nil, err
	}
	m := &Measured{Demo: "net.bridge", Result: r}
	var eps [][]string
	for _, e := range r.Endpoints {
		eps = append(eps, []string{e.HostIf, fmt.Sprint(e.HostIndex), e.IfName, e.Address})
	}
	m.table(fmt.Sprintf("bridge %s (ifindex %d) and its ports:", r.Bridge, r.Index), []string{"port", "ifindex", "inside", "address"}, eps...)
	var matrix [][]string
	all := len(r.Matrix) > 0
	for i, row := range r.Matrix {
		cells := []string{r.Hosts[i]}
		for j, p := range row {
			if i == j {
				cells = append(cells, "-") // itself: not pinged
				continue
			}
			cells = append(cells, fmt.Sprintf("%d/%d", p.Received, p.Sent))
			all = all && p.Received > 0
		}
		matrix = append(matrix, cells)
	}
	m.table("pings answered (row: from, column: to):", append([]string{"from"}, r.Hosts...), matrix...)
	var fdb [][]string
	learnt := 0
	for _, f := range r.FDB {
		if !f.Permanent {
			learnt++
			fdb = append(fdb, []string{f.MAC, f.Port, f.Owner})
		}
	}
	m.table("MAC addresses the bridge learnt:", []string{"mac", "port", "owner"}, fdb...)
	m.shell = []string{"ip link add br0 type bridge; ip link set br0 up",
		"ip link add veth0 type veth peer name eth0 netns NS; ip link set veth0 master br0 up",
		"bridge fdb show br br0"}
	m.fact(all, "every namespace reaches every other through the bridge", "all %d×%d answered: %v", len(r.Hosts), len(r.Hosts), all)
	m.fact(learnt >= len(r.Hosts), "the bridge learnt a MAC address per namespace", "%d learnt entries", learnt)
	return m, nil
}

func runIPAM(_ context.Context, o Options) (Result, error) {
	// A data root of its own: the demo's pool files never mix with the
	// engine's, and are gone afterwards.
	dir, err := os.MkdirTemp("", "vitro-lesson-ipam-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	r, err := netdemo.IPAMDemo(dir, o.String("subnet", "10.99.0.1/29"))
	if err != nil {
		return nil, err
	}
	m := &Measured{Demo: "net.ipam", Result: r}
	var rows [][]string
	full := false
	for _, s := range r.Steps {
		rows = append(rows, []string{s.Op, s.Owner, s.Address, s.Error, fmt.Sprint(s.InUse), fmt.Sprint(s.Free)})
		if s.Error != "" {
			full = true
		}
	}
	m.table(fmt.Sprintf("pool %s, gateway %s, %d addresses", r.Subnet, r.Gateway, r.Capacity), []string{"op", "owner", "address", "error", "in use", "free"}, rows...)
	m.fact(full, "a full pool refuses with an error", "%v", full)
	reuse := false
	for i, s := range r.Steps {
		if s.Op == "release" {
			for _, t := range r.Steps[i+1:] {
				if t.Op == "allocate" && t.Address == s.Address {
					reuse = true
				}
			}
		}
	}
	m.fact(reuse, "a released address is handed out again, lowest first", "%v", reuse)
	return m, nil
}

func runPublish(ctx context.Context, o Options) (Result, error) {
	pm, err := netdemo.ParsePortSpec(o.String("p", "80"))
	if err != nil {
		return nil, err
	}
	r, err := netdemo.PublishDemo(ctx, pm)
	if err != nil {
		return nil, err
	}
	m := &Measured{Demo: "net.publish", Result: r}
	m.kv("", "bridge", r.Bridge.Name+" "+r.Bridge.Gateway, "container", r.Endpoint.Address, "server", r.Server,
		"published", fmt.Sprintf("host port %d → %s:%d", r.Published.Mapping.HostPort, r.Published.ContainerIP, r.Published.Mapping.ContainerPort),
		"route_localnet", r.RouteLocalnet)
	var reqs [][]string
	answered := len(r.Requests) > 0
	for _, q := range r.Requests {
		reqs = append(reqs, []string{q.From, q.To, oneLine(q.Reply)})
		answered = answered && q.Reply != ""
	}
	m.table("", []string{"request from", "to", "reply"}, reqs...)
	var rules [][]string
	carried := false
	for _, ru := range r.Rules {
		rules = append(rules, []string{ru.Chain, oneLine(ru.Rule), fmt.Sprint(ru.Packets)})
		carried = carried || ru.Packets > 0
	}
	m.table("nftables rules, with their packet counters:", []string{"chain", "rule", "packets"}, rules...)
	m.fact(answered, "requests to the published port got the server's reply", "%d request(s)", len(r.Requests))
	m.fact(carried, "the NAT rules' counters show they carried the traffic", "%v", carried)
	return m, nil
}
