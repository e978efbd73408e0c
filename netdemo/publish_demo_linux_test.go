package netdemo

import (
	"context"
	"strings"
	"testing"

	"github.com/vitro-dev/vitro/internal/testenv"
)

func TestPublishFromLoopback(t *testing.T) {
	testenv.RequirePrivileged(t)
	for _, spec := range []string{"80", "5353/udp"} {
		m, err := ParsePortSpec(spec)
		if err != nil {
			t.Fatal(err)
		}
		res, err := PublishDemo(context.Background(), m)
		if err != nil {
			t.Fatalf("-p %s: %v", spec, err)
		}
		if len(res.Requests) != 2 {
			t.Fatalf("-p %s: requests %+v, want one from loopback, one from another host", spec, res.Requests)
		}
		// From "another host" (a namespace linked to the host), the
		// request passed prerouting, and the server saw the client's own
		// address: only loopback sources are masqueraded.
		remote := res.Requests[1]
		clientIP := strings.Split(remote.From, ":")[0]
		if !strings.Contains(remote.Reply, "you are "+clientIP+":") {
			t.Errorf("-p %s: from another host, reply %q, want the server to see %s", spec, remote.Reply, clientIP)
		}
		r := res.Requests[0]
		// The answer comes from the server inside the namespace, which
		// saw the request come from the bridge's address (masqueraded),
		// not from 127.0.0.1.
		if !strings.Contains(r.Reply, "hello from netns "+res.Endpoint.HostIf[:len(res.Endpoint.HostIf)-1]) ||
			!strings.Contains(r.Reply, "you are "+res.Bridge.Gateway+":") {
			t.Errorf("-p %s: reply %q, want the server of %s seeing the gateway %s", spec, r.Reply, res.Server, res.Bridge.Gateway)
		}
		if !strings.HasPrefix(r.From, "127.0.0.1:") {
			t.Errorf("-p %s: request came from %s, want loopback", spec, r.From)
		}
		if res.RouteLocalnet != "1" {
			t.Errorf("route_localnet on the bridge = %q", res.RouteLocalnet)
		}
		counted := map[string]uint64{}
		for _, rule := range res.Rules {
			counted[rule.Chain+" "+rule.Rule] += rule.Packets
		}
		if counted["prerouting "+res.Published.Rule] == 0 {
			t.Errorf("-p %s: the prerouting chain's DNAT rule counted no packet: %+v", spec, res.Rules)
		}
		if counted["output "+res.Published.Rule] == 0 {
			t.Errorf("-p %s: the output chain's DNAT rule counted no packet: %+v", spec, res.Rules)
		}
		if counted["postrouting ip saddr 127.0.0.0/8 oifname "+res.Bridge.Name+" counter masquerade"] == 0 {
			t.Errorf("-p %s: the loopback masquerade counted no packet: %+v", spec, res.Rules)
		}
		assertClean(t, []string{strings.TrimSuffix(res.Bridge.Name, "-br") + "*"}, res.Endpoint.NSInode)
	}
}
