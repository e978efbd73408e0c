package lessons

import (
	"context"
	"fmt"
	"net"

	"github.com/vitro-dev/vitro/netdemo"
)

// Network labs. Each student's addresses come from their slice,
// 10.213.<slice>.0/24: the veth lab uses .0/30, the bridge lab .16/28.

func netVars(e *LabEnv) (map[string]string, error) {
	n, err := e.Student.Slice()
	if err != nil {
		return nil, err
	}
	// Link and namespace names always carry a prefix, so that a reset can
	// never delete a host's own veth0: the student's name, or vlab-.
	p := e.Student.Prefix()
	if p == "" {
		p = "vlab-"
	}
	net := fmt.Sprintf("%s.%d.", labSubnetBase, n)
	return map[string]string{
		"NS": p + "labns", "Host": p + "veth0", "Peer": p + "veth1",
		"HostAddr": net + "1/30", "HostIP": net + "1", "NSAddr": net + "2/30",
		"A": p + "lab-a", "B": p + "lab-b", "Bridge": p + "labbr0", "VA": p + "lab-va", "VB": p + "lab-vb",
		"AddrA": net + "17/28", "AddrB": net + "18/28", "IPB": net + "18",
	}, nil
}

func init() {
	registerLab(&Lab{
		ID: "net-veth", Title: "A network namespace on a virtual cable", Lesson: "net",
		Vars:  netVars,
		Setup: checkSlice,
		Task: `Make a network namespace called **{{.NS}}**, and connect it to the host with a
veth pair: the host's end **{{.Host}}** with address {{.HostAddr}}, the other end
**{{.Peer}}** inside {{.NS}} with {{.NSAddr}}. Bring both ends up. Then, from the
namespace, ping the host's end.`,
		Solution: `ip netns add {{.NS}}
ip link add {{.Host}} type veth peer name {{.Peer}} netns {{.NS}}
ip addr add {{.HostAddr}} dev {{.Host}}; ip link set {{.Host}} up
ip -n {{.NS}} addr add {{.NSAddr}} dev {{.Peer}}; ip -n {{.NS}} link set {{.Peer}} up
ip netns exec {{.NS}} ping -c 1 {{.HostIP}}`,
		Checks: []Check{
			{Name: "the network namespace {{.NS}} exists",
				Hint: "ip netns add {{.NS}}",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					return netnsDir + "/" + e.Vars["NS"], netnsExists(e.Vars["NS"]), nil
				}},
			{Name: "the host's end {{.Host}} is a veth, up, with {{.HostAddr}}",
				Hint: "ip link add {{.Host}} type veth peer name {{.Peer}} netns {{.NS}}; ip addr add {{.HostAddr}} dev {{.Host}}; ip link set {{.Host}} up",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					return linkState("", e.Vars["Host"], "veth", e.Vars["HostAddr"])
				}},
			{Name: "the other end {{.Peer}} is inside {{.NS}}, up, with {{.NSAddr}}",
				Hint: "ip -n {{.NS}} addr add {{.NSAddr}} dev {{.Peer}}; ip -n {{.NS}} link set {{.Peer}} up",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					return linkState(e.Vars["NS"], e.Vars["Peer"], "veth", e.Vars["NSAddr"])
				}},
			{Name: "the two are the ends of one pair",
				Hint: "make them together: ip link add {{.Host}} type veth peer name {{.Peer}} netns {{.NS}}",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					h, _, err1 := linkIn("", e.Vars["Host"])
					p, _, err2 := linkIn(e.Vars["NS"], e.Vars["Peer"])
					if err1 != nil || err2 != nil {
						return "one end is missing", false, nil
					}
					ok := p.Attrs().ParentIndex == h.Attrs().Index
					return fmt.Sprintf("%s is ifindex %d; %s's peer is ifindex %d", e.Vars["Host"], h.Attrs().Index, e.Vars["Peer"], p.Attrs().ParentIndex), ok, nil
				}},
		},
		Apply: func(_ context.Context, e *LabEnv) error {
			if err := netnsCreate(e.Vars["NS"]); err != nil {
				return err
			}
			return cable(e.Vars["Host"], e.Vars["HostAddr"], e.Vars["NS"], e.Vars["Peer"], e.Vars["NSAddr"])
		},
		Teardown: func(_ context.Context, e *LabEnv) ([]string, error) {
			return removeNet(e, []string{e.Vars["Host"]}, []string{e.Vars["NS"]})
		},
		Residue: func(e *LabEnv) []string { return netResidue(e, []string{e.Vars["Host"]}, []string{e.Vars["NS"]}) },
	})

	registerLab(&Lab{
		ID: "net-bridge", Title: "Two namespaces that ping each other through a bridge", Lesson: "network",
		Vars: netVars,
		Setup: func(ctx context.Context, e *LabEnv) error {
			if err := checkSlice(ctx, e); err != nil {
				return err
			}
			for _, ns := range []string{e.Vars["A"], e.Vars["B"]} {
				if err := netnsCreate(ns); err != nil {
					return err
				}
			}
			return nil
		},
		Task: `Two network namespaces are ready: **{{.A}}** and **{{.B}}** (` + "`ip netns list`" + `). Connect
them the way docker connects containers:

1. a bridge **{{.Bridge}}** on the host, up;
2. a veth pair per namespace: host ends **{{.VA}}** and **{{.VB}}**, attached to the bridge and up;
   the other ends inside the namespaces, called **eth0**;
3. addresses {{.AddrA}} on eth0 in {{.A}}, and {{.AddrB}} on eth0 in {{.B}}, links up.

Done when ` + "`ip netns exec {{.A}} ping {{.IPB}}`" + ` is answered.`,
		Solution: `ip link add {{.Bridge}} type bridge; ip link set {{.Bridge}} up
ip link add {{.VA}} type veth peer name eth0 netns {{.A}}
ip link add {{.VB}} type veth peer name eth0 netns {{.B}}
ip link set {{.VA}} master {{.Bridge}} up; ip link set {{.VB}} master {{.Bridge}} up
ip -n {{.A}} addr add {{.AddrA}} dev eth0; ip -n {{.A}} link set eth0 up
ip -n {{.B}} addr add {{.AddrB}} dev eth0; ip -n {{.B}} link set eth0 up
ip netns exec {{.A}} ping -c 1 {{.IPB}}`,
		Checks: []Check{
			{Name: "the bridge {{.Bridge}} exists and is up",
				Hint: "ip link add {{.Bridge}} type bridge; ip link set {{.Bridge}} up",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					return linkState("", e.Vars["Bridge"], "bridge", "")
				}},
			{Name: "{{.VA}} and {{.VB}} are up and attached to the bridge",
				Hint: "ip link set {{.VA}} master {{.Bridge}} up; ip link set {{.VB}} master {{.Bridge}} up",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					br, _, err := linkIn("", e.Vars["Bridge"])
					if err != nil {
						return "no bridge yet", false, nil
					}
					for _, n := range []string{e.Vars["VA"], e.Vars["VB"]} {
						l, _, err := linkIn("", n)
						if err != nil {
							return "no link " + n, false, nil
						}
						if l.Attrs().MasterIndex != br.Attrs().Index {
							return n + " is not a port of " + e.Vars["Bridge"], false, nil
						}
						if !isUp(l) {
							return n + " is down", false, nil
						}
					}
					return "both are ports of " + e.Vars["Bridge"], true, nil
				}},
			{Name: "eth0 in {{.A}} is up with {{.AddrA}}",
				Hint: "ip link add {{.VA}} type veth peer name eth0 netns {{.A}}; ip -n {{.A}} addr add {{.AddrA}} dev eth0; ip -n {{.A}} link set eth0 up",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					return linkState(e.Vars["A"], "eth0", "veth", e.Vars["AddrA"])
				}},
			{Name: "eth0 in {{.B}} is up with {{.AddrB}}",
				Hint: "ip link add {{.VB}} type veth peer name eth0 netns {{.B}}; ip -n {{.B}} addr add {{.AddrB}} dev eth0; ip -n {{.B}} link set eth0 up",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					return linkState(e.Vars["B"], "eth0", "veth", e.Vars["AddrB"])
				}},
			{Name: "{{.A}} reaches {{.B}}",
				Hint: "every link must be up, the host ends on the bridge; if it still fails, a firewall may drop bridged traffic (sysctl net.bridge.bridge-nf-call-iptables and the FORWARD chain)",
				Run: func(ctx context.Context, e *LabEnv) (string, bool, error) {
					if !netnsExists(e.Vars["A"]) {
						return "no namespace " + e.Vars["A"], false, nil
					}
					// Up to three tries: the first waits for ARP, and a
					// loaded machine may be slow to answer.
					var err error
					for i := 0; i < 3; i++ {
						if err = pingFrom(ctx, e.Vars["A"], net.ParseIP(e.Vars["IPB"])); err == nil {
							break
						}
					}
					if err != nil {
						return err.Error(), false, nil
					}
					return "echo reply from " + e.Vars["IPB"], true, nil
				}},
		},
		Apply: func(_ context.Context, e *LabEnv) error {
			host := netdemo.HostLinks()
			if _, err := host.AddBridge(e.Vars["Bridge"]); err != nil {
				return err
			}
			if err := host.Up(e.Vars["Bridge"]); err != nil {
				return err
			}
			for _, side := range [][3]string{{e.Vars["VA"], e.Vars["A"], e.Vars["AddrA"]}, {e.Vars["VB"], e.Vars["B"], e.Vars["AddrB"]}} {
				if err := plugIn(e.Vars["Bridge"], side[0], side[1], side[2]); err != nil {
					return err
				}
			}
			return nil
		},
		Teardown: func(_ context.Context, e *LabEnv) ([]string, error) {
			return removeNet(e, []string{e.Vars["VA"], e.Vars["VB"], e.Vars["Bridge"]}, []string{e.Vars["A"], e.Vars["B"]})
		},
		Residue: func(e *LabEnv) []string {
			return netResidue(e, []string{e.Vars["VA"], e.Vars["VB"], e.Vars["Bridge"]}, []string{e.Vars["A"], e.Vars["B"]})
		},
	})
}

// checkSlice refuses to start when the student's subnet is already routed
// on the host: the lab's addresses would clash with the host's network.
func checkSlice(_ context.Context, e *LabEnv) error {
	n, err := e.Student.Slice()
	if err != nil {
		return err
	}
	_, subnet, _ := net.ParseCIDR(fmt.Sprintf("%s.%d.0/24", labSubnetBase, n))
	if err := netdemo.CheckSubnetFree(subnet, ""); err != nil {
		return fmt.Errorf("the lab subnet %s of student %s: %w", subnet, e.Student.Display(), err)
	}
	return nil
}

// linkState checks a link's kind, state and address ("" for none).
func linkState(ns, name, kind, cidr string) (string, bool, error) {
	where := "on the host"
	if ns != "" {
		where = "in " + ns
		if !netnsExists(ns) {
			return "no network namespace " + ns, false, nil
		}
	}
	l, addrs, err := linkIn(ns, name)
	if err != nil {
		return fmt.Sprintf("no link %s %s", name, where), false, nil
	}
	if l.Type() != kind {
		return fmt.Sprintf("%s %s is a %s, not a %s", name, where, l.Type(), kind), false, nil
	}
	var have []string
	for _, a := range addrs {
		have = append(have, a.IPNet.String())
	}
	switch {
	case !isUp(l):
		return fmt.Sprintf("%s %s is down", name, where), false, nil
	case cidr != "" && !hasAddr(addrs, cidr):
		return fmt.Sprintf("%s %s has addresses %v, not %s", name, where, have, cidr), false, nil
	}
	return fmt.Sprintf("%s %s: %s, up %v", name, where, kind, have), true, nil
}

// cable makes a veth pair between the host and the named namespace ns:
// hostIf on the host with hostCIDR, peer inside ns with peerCIDR (and lo
// there), all up. It uses netdemo's primitives, the ones vitro run's
// network step is made of.
//
// Shell equivalent:
//
//	ip link add HOSTIF type veth peer name PEER netns NS
//	ip addr add HOSTCIDR dev HOSTIF; ip link set HOSTIF up
//	ip -n NS addr add PEERCIDR dev PEER; ip -n NS link set PEER up; ip -n NS link set lo up
func cable(hostIf, hostCIDR, ns, peer, peerCIDR string) error {
	n, err := netdemo.OpenNamedNS(ns)
	if err != nil {
		return err
	}
	defer n.Close()
	host := netdemo.HostLinks()
	if _, err := host.AddVethInto(hostIf, peer, n); err != nil {
		return err
	}
	if err := addrUp(host, hostIf, hostCIDR); err != nil {
		return err
	}
	in, err := n.Links()
	if err != nil {
		return err
	}
	defer in.Close()
	if err := addrUp(in, peer, peerCIDR); err != nil {
		return err
	}
	return in.Up("lo")
}

// addrUp gives a link an address and brings it up.
func addrUp(l netdemo.Links, name, cidr string) error {
	ip, subnet, err := net.ParseCIDR(cidr)
	if err != nil {
		return fmt.Errorf("address %q: %w", cidr, err)
	}
	subnet.IP = ip
	if err := l.AddAddr(name, subnet); err != nil {
		return err
	}
	return l.Up(name)
}

// plugIn connects the named namespace ns to the bridge as docker connects
// a container (netdemo.Connect: hostIf a port of the bridge, eth0 inside)
// and puts cidr on eth0 (Endpoint.Configure), without a default route.
func plugIn(bridge, hostIf, ns, cidr string) error {
	n, err := netdemo.OpenNamedNS(ns)
	if err != nil {
		return err
	}
	defer n.Close()
	ep, err := netdemo.Connect(bridge, n, hostIf, "eth0")
	if err != nil {
		return err
	}
	ip, subnet, err := net.ParseCIDR(cidr)
	if err != nil {
		return fmt.Errorf("address %q: %w", cidr, err)
	}
	subnet.IP = ip
	return ep.Configure(n, subnet, nil)
}

func removeNet(e *LabEnv, links, nss []string) ([]string, error) {
	var out []string
	for _, l := range links {
		host := netdemo.HostLinks()
		if _, err := host.Get(l); err != nil {
			continue // gone already
		}
		if err := host.Delete(l); err != nil {
			return out, err
		}
		out = append(out, "link "+l)
	}
	for _, ns := range nss {
		ok, err := netnsDelete(ns)
		if err != nil {
			return out, err
		}
		if ok {
			out = append(out, "network namespace "+ns)
		}
	}
	return out, nil
}

func netResidue(e *LabEnv, links, nss []string) []string {
	var left []string
	for _, l := range links {
		if _, err := netdemo.HostLinks().Get(l); err == nil {
			left = append(left, "link "+l)
		}
	}
	for _, ns := range nss {
		if netnsExists(ns) {
			left = append(left, "network namespace "+ns)
		}
	}
	return left
}
