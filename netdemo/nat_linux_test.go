package netdemo

import (
	"net"
	"strings"
	"testing"

	"github.com/vitro-dev/vitro/internal/testenv"
)

// The rules' life cycle, read back from the kernel: setup is idempotent,
// Publish adds a DNAT rule to prerouting and output, Unpublish removes
// exactly those, and DeleteNAT removes the table.
func TestNATRulesLifecycle(t *testing.T) {
	testenv.RequirePrivileged(t)
	table, bridge := testenv.Name("vdtn"), testenv.Name("vdtnb")
	t.Cleanup(func() { DeleteNAT(table); assertClean(t, []string{table}) })
	_, subnet, _ := net.ParseCIDR("10.99.77.0/24")
	nat, err := SetupNAT(table, bridge, subnet)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SetupNAT(table, bridge, subnet); err != nil {
		t.Fatalf("second SetupNAT: %v", err)
	}
	count := func() map[string]int {
		rs, err := nat.Rules()
		if err != nil {
			t.Fatal(err)
		}
		n := map[string]int{}
		for _, r := range rs {
			n[r.Chain]++
		}
		return n
	}
	if n := count(); n[ChainPostrouting] != 2 || n[ChainPrerouting]+n[ChainOutput] != 0 {
		t.Fatalf("after two setups: %v, want the 2 masquerade rules once", n)
	}
	m, _ := ParsePortSpec("127.0.0.1::80/udp") // host port chosen
	pub, err := nat.Publish(m, net.ParseIP("10.99.77.2"))
	if err != nil {
		t.Fatal(err)
	}
	if pub.Mapping.HostPort == 0 || !strings.Contains(pub.Rule, "ip daddr 127.0.0.1 udp dport") || !strings.HasSuffix(pub.Rule, "dnat to 10.99.77.2:80") {
		t.Errorf("published %+v", pub)
	}
	if n := count(); n[ChainPrerouting] != 1 || n[ChainOutput] != 1 {
		t.Errorf("after Publish: %v", n)
	}
	if _, err := nat.Publish(pub.Mapping, net.ParseIP("10.99.77.2")); err == nil || !strings.Contains(err.Error(), "already published") {
		t.Errorf("publishing the same port twice: %v", err)
	}
	if err := Unpublish(pub); err != nil {
		t.Fatal(err)
	}
	if n := count(); n[ChainPrerouting]+n[ChainOutput] != 0 || n[ChainPostrouting] != 2 {
		t.Errorf("after Unpublish: %v, want only the masquerade rules", n)
	}
	if err := DeleteNAT(table); err != nil {
		t.Fatal(err)
	}
	if TableExists(table) {
		t.Errorf("table %s still exists", table)
	}
	if err := Unpublish(pub); err != nil {
		t.Errorf("Unpublish after the table is gone: %v", err)
	}
}
