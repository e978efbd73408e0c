package netdemo

import (
	"testing"
	"time"

	"github.com/vitro-dev/vitro/internal/table"
)

// TestTablesShowTheResult checks, for every demo result, that its tables
// carry the result's figures, so that a broken layout fails here.
func TestTablesShowTheResult(t *testing.T) {
	for _, c := range []struct {
		name string
		r    interface{ Tables() []table.Table }
		want []string
	}{
		{"veth", &VethResult{HostInode: 4026531993, Removed: []string{"netns a-x", "netns b-y"},
			Ends: []NSEnd{{NS: "ns-a", Inode: 4026532001, If: "va0", Ifindex: 31, PeerIfindex: 32, MAC: "aa:aa:aa:00:00:01", Address: "10.99.0.1/24",
				Neighbours: []Neighbour{{IP: "10.99.0.2", MAC: "bb:bb:bb:00:00:02", State: "REACHABLE"}}}},
			Pings: []PingResult{{From: "ns-a", To: "10.99.0.2", Sent: 3, Received: 2, RTT: 1234567 * time.Nanosecond}}},
			[]string{"net:[4026531993]", "ns-a", "4026532001", "va0", "31", "32", "aa:aa:aa:00:00:01", "10.99.0.1/24",
				"10.99.0.2", "bb:bb:bb:00:00:02", "REACHABLE", "3", "2", "1.235ms", "Removed: netns a-x, netns b-y"}},
		{"bridge", &BridgeResult{Bridge: "vdbr-x", Index: 71, Hosts: []string{"h1", "h2"}, Removed: []string{"bridge vdbr-x"},
			Endpoints: []Endpoint{{HostIf: "vdp1", HostIndex: 72, Index: 2, PeerIndex: 72, MAC: "02:00:00:00:00:01", NSInode: 4026532101, Address: "10.99.1.2/24"},
				{HostIf: "vdp2", HostIndex: 74, Index: 3, PeerIndex: 74, MAC: "02:00:00:00:00:02", NSInode: 4026532102, Address: "10.99.1.3/24"}},
			Matrix: [][]PingResult{{{}, {Sent: 1, Received: 1, RTT: 87 * time.Microsecond}}, {{Sent: 1}, {}}},
			FDB:    []FDBEntry{{MAC: "02:00:00:00:00:01", Port: "vdp1", Owner: "h1 eth0"}, {MAC: "fe:ee:00:00:00:09", Port: "vdp2", Permanent: true}}},
			[]string{"Bridge vdbr-x (ifindex 71) with 2 namespaces", "h1", "4026532101", "vdp1", "72", "02:00:00:00:00:01", "10.99.1.2/24",
				"4026532102", "vdp2", "74", "10.99.1.3", "ok 87µs", "FAIL", "learnt", "h1 eth0", "fe:ee:00:00:00:09", "permanent", "Removed: bridge vdbr-x"}},
		{"ipam", &IPAMResult{Subnet: "10.99.0.0/29", Gateway: "10.99.0.1", Capacity: 5, StateFile: "/data/network/demo-x.json",
			Steps: []IPAMStep{{Op: "allocate", Owner: "web", Address: "10.99.0.2", InUse: 1, Free: 4},
				{Op: "allocate", Owner: "one-too-many", Error: "pool full-e", InUse: 5, Free: 0}},
			State: "{\n  \"in-use\": \"10.99.0.2-state\"\n}\n", Removed: []string{"pool files x"}},
			[]string{"Pool 10.99.0.0/29", "gateway 10.99.0.1", "5 addresses", "/data/network/demo-x.json", "allocate", "web", "10.99.0.2",
				"one-too-many", "pool full-e", "-", `  "in-use": "10.99.0.2-state"`, "Removed: pool files x"}},
		{"publish", &PublishResult{Bridge: Bridge{Name: "vdbr-p", Gateway: "10.99.5.1", Subnet: "10.99.5.0/24"}, RouteLocalnet: "1-r",
			Endpoint: Endpoint{Address: "10.99.5.2/24", NSInode: 4026532301, HostIf: "vdh-p"}, Server: "tcp server on :80-s",
			Published: Published{Table: "vd-nat", Mapping: PortMapping{HostPort: 18080, ContainerPort: 80, Proto: "tcp"}, ContainerIP: "10.99.5.2"},
			Requests:  []Request{{From: "the host's loopback", To: "127.0.0.1:18080", Reply: "hello from 10.99.5.2-r"}},
			Rules:     []RuleInfo{{Chain: "output", Handle: 7, Rule: "fib daddr type local tcp dport 18080 dnat", Packets: 3, Bytes: 180}},
			Removed:   []string{"nft table ip vd-nat"}},
			[]string{"vdbr-p", "10.99.5.1/24 (gateway)", "route_localnet=1-r", "eth0 10.99.5.2/24", "4026532301", "vdh-p", "tcp server on :80-s",
				"18080:80/tcp -> 10.99.5.2:80", "Request from the host's loopback to 127.0.0.1:18080", "Answer: hello from 10.99.5.2-r",
				"nft table ip vd-nat", "output", "7", "fib daddr type local tcp dport 18080 dnat", "3", "180", "Removed: nft table ip vd-nat"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if miss := table.Missing(c.r.Tables(), c.want...); len(miss) > 0 {
				t.Errorf("tables lack %q:\n%q", miss, table.Strings(c.r.Tables()))
			}
		})
	}
}
