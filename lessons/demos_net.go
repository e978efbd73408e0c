package lessons

import (
	"context"
	"os"

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
	m := measure("net.veth", r)
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

func runBridge(ctx context.Context, o Options) (Result, error) {
	n, err := o.Int("hosts", 3)
	if err != nil {
		return nil, err
	}
	r, err := netdemo.BridgeDemo(ctx, n)
	if err != nil {
		return nil, err
	}
	m := measure("net.bridge", r)
	all := len(r.Matrix) > 0
	for i, row := range r.Matrix {
		for j, p := range row {
			if i != j { // itself: not pinged
				all = all && p.Received > 0
			}
		}
	}
	learnt := 0
	for _, f := range r.FDB {
		if !f.Permanent {
			learnt++
		}
	}
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
	m := measure("net.ipam", r)
	full := false
	for _, s := range r.Steps {
		if s.Error != "" {
			full = true
		}
	}
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
	m := measure("net.publish", r)
	answered := len(r.Requests) > 0
	for _, q := range r.Requests {
		answered = answered && q.Reply != ""
	}
	carried := false
	for _, ru := range r.Rules {
		carried = carried || ru.Packets > 0
	}
	m.fact(answered, "requests to the published port got the server's reply", "%d request(s)", len(r.Requests))
	m.fact(carried, "the NAT rules' counters show they carried the traffic", "%v", carried)
	return m, nil
}
