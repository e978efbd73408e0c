package netdemo

import (
	"fmt"
	"strings"
	"time"

	"github.com/vitro-dev/vitro/internal/table"
)

// The layout of each demo's result for people, as vitro net and the
// lessons print it. Every demo ends with what it removed.

// removed is the last line of every demo: what its cleanup removed.
func removed(what []string) table.Table {
	return table.Text("Removed: %s", strings.Join(what, ", "))
}

// fmtRTT shows a round trip to the microsecond, "-" when none came back.
func fmtRTT(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return d.Round(time.Microsecond).String()
}

// Tables lays the veth demo out: both ends with their indexes, the pings
// across, and the ARP entries the pings made each kernel learn.
func (r *VethResult) Tables() []table.Table {
	ends := table.Table{Header: []string{"netns", "inode", "interface", "ifindex", "peer ifindex", "mac", "address"}}
	arp := table.Table{Title: "ARP entries the kernel learnt (ip -n NETNS neigh):", Header: []string{"netns", "interface", "neighbour", "mac", "state"}}
	for _, e := range r.Ends {
		ends.Append(e.NS, fmt.Sprint(e.Inode), e.If, fmt.Sprint(e.Ifindex), fmt.Sprint(e.PeerIfindex), e.MAC, e.Address)
		for _, n := range e.Neighbours {
			arp.Append(e.NS, e.If, n.IP, n.MAC, n.State)
		}
	}
	pings := table.Table{Title: "ICMP echo, sent from a raw socket opened inside each namespace:", Header: []string{"from", "to", "sent", "received", "rtt"}}
	for _, p := range r.Pings {
		pings.Append(p.From, p.To, fmt.Sprint(p.Sent), fmt.Sprint(p.Received), fmtRTT(p.RTT))
	}
	return []table.Table{table.Text("Two new network namespaces (the host's is net:[%d]), joined by a veth pair:", r.HostInode),
		ends, pings, arp, removed(r.Removed)}
}

// Tables lays the bridge demo out: the namespaces on the bridge, the
// all-pairs ping matrix, and the bridge's forwarding database.
func (r *BridgeResult) Tables() []table.Table {
	eps := table.Table{Header: []string{"netns", "inode", "bridge port", "port ifindex", "eth0 ifindex", "eth0 peer", "eth0 mac", "address"}}
	m := table.Table{Title: "Reachability (one ICMP echo each; row pings column; cell = round trip):", Header: []string{"from \\ to"}}
	for i, ep := range r.Endpoints {
		eps.Append(r.Hosts[i], fmt.Sprint(ep.NSInode), ep.HostIf, fmt.Sprint(ep.HostIndex), fmt.Sprint(ep.Index), fmt.Sprint(ep.PeerIndex), ep.MAC, ep.Address)
		m.Header = append(m.Header, strings.Split(ep.Address, "/")[0])
	}
	for i, row := range r.Matrix {
		cells := []string{r.Hosts[i]}
		for j, p := range row {
			switch {
			case i == j:
				cells = append(cells, "-")
			case p.OK():
				cells = append(cells, "ok "+fmtRTT(p.RTT))
			default:
				cells = append(cells, "FAIL")
			}
		}
		m.Append(cells...)
	}
	fdb := table.Table{Title: fmt.Sprintf("MAC table of %s (bridge fdb show br %s):", r.Bridge, r.Bridge), Header: []string{"mac", "port", "kind", "whose"}}
	for _, e := range r.FDB {
		kind, whose := "learnt", e.Owner
		if e.Permanent {
			kind, whose = "permanent", "the port itself"
		}
		fdb.Append(e.MAC, e.Port, kind, whose)
	}
	return []table.Table{table.Text("Bridge %s (ifindex %d) with %d namespaces:", r.Bridge, r.Index, len(r.Endpoints)),
		eps, m, fdb, removed(r.Removed)}
}

// Tables lays the address pool demo out: each allocation and release
// with the pool's counts, and the state file when the pool was full.
func (r *IPAMResult) Tables() []table.Table {
	steps := table.Table{Header: []string{"#", "op", "owner", "address", "in use", "free", "error"}}
	for i, s := range r.Steps {
		steps.Append(fmt.Sprint(i+1), s.Op, s.Owner, table.OrDash(s.Address), fmt.Sprint(s.InUse), fmt.Sprint(s.Free), s.Error)
	}
	state := table.Table{Title: "The state file when the pool was full:", Notes: strings.Split(strings.TrimSuffix(r.State, "\n"), "\n")}
	return []table.Table{table.Text("Pool %s: gateway %s, %d addresses for containers (network and broadcast excluded)\nState file: %s",
		r.Subnet, r.Gateway, r.Capacity, r.StateFile), steps, state, removed(r.Removed)}
}

// Tables lays the published-port demo out: the bridge, the container and
// its server, each request with its answer, and the NAT rules with the
// packet counters that show which carried the requests.
func (r *PublishResult) Tables() []table.Table {
	prefix := r.Bridge.Subnet
	if _, p, ok := strings.Cut(r.Bridge.Subnet, "/"); ok {
		prefix = p
	}
	ts := []table.Table{table.Text("Bridge     %s  %s/%s (gateway), route_localnet=%s\nContainer  eth0 %s in netns inode %d, veth peer %s on the bridge\nServer     %s\nPublished  %s -> %s:%d",
		r.Bridge.Name, r.Bridge.Gateway, prefix, r.RouteLocalnet,
		r.Endpoint.Address, r.Endpoint.NSInode, r.Endpoint.HostIf,
		r.Server,
		r.Published.Mapping, r.Published.ContainerIP, r.Published.Mapping.ContainerPort)}
	for _, q := range r.Requests {
		ts = append(ts, table.Text("Request from %s to %s\nAnswer: %s", q.From, q.To, q.Reply))
	}
	rules := table.Table{Title: fmt.Sprintf("Rules of nft table ip %s after the requests (nft -a list table ip %s):", r.Published.Table, r.Published.Table),
		Header: []string{"chain", "handle", "rule", "packets", "bytes"}}
	for _, ru := range r.Rules {
		rules.Append(ru.Chain, fmt.Sprint(ru.Handle), ru.Rule, fmt.Sprint(ru.Packets), fmt.Sprint(ru.Bytes))
	}
	return append(ts, rules, removed(r.Removed))
}
