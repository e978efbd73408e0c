package netdemo

import (
	"errors"
	"fmt"
	"net"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/userdata"
	"github.com/vitro-dev/vitro/internal/trace"
	"golang.org/x/sys/unix"
)

// NAT is an nftables table of vitro's, in the ip family, holding the
// rules of one bridge: masquerade for its subnet and the published ports
// (see publish_linux.go). The engine's table is named after its bridge
// (BridgeTable: "vitro0"); demos and tests use tables of their own and
// delete them whole.
//
//	table ip vitro0 {
//	  chain prerouting  { type nat hook prerouting priority dstnat; ... }   packets from elsewhere
//	  chain output      { type nat hook output priority dstnat; ... }       packets the host sends
//	  chain postrouting { type nat hook postrouting priority srcnat; ... }  rewrite sources on the way out
//	  chain input       { type filter hook input priority filter; ... }    guards the host's loopback (localnet_linux.go)
//	}
//
// The rules are built as nftables expressions and sent over netlink by
// github.com/google/nftables: no nft or iptables binary runs. Each rule
// carries its nft text as a comment, so `nft list table ip vitro0` shows
// what vitro meant, and vitro reads it back with the counters.
type NAT struct {
	Table  string
	Bridge string
	Subnet *net.IPNet
}

// Chain names of the table.
const (
	ChainPrerouting  = "prerouting"
	ChainOutput      = "output"
	ChainPostrouting = "postrouting"
	ChainInput       = "input"
)

func (n *NAT) table() *nftables.Table {
	return &nftables.Table{Name: n.Table, Family: nftables.TableFamilyIPv4}
}

func (n *NAT) chain(name string) *nftables.Chain {
	return &nftables.Chain{Name: name, Table: n.table()}
}

// SetupNAT creates (or finds) the table and its four chains and makes
// sure the masquerade rules and the loopback guard are there:
//
//	ip saddr SUBNET oifname != BRIDGE counter masquerade
//	    containers reach other networks with the host's address
//	ip saddr 127.0.0.0/8 oifname BRIDGE counter masquerade
//	    a published port reached from the host's loopback (see Publish)
//	iifname BRIDGE ip daddr 127.0.0.0/8 ct status & dnat == 0 counter drop
//	    nothing from the bridge reaches the host's loopback unless one of
//	    vitro's DNAT rules sent it there (localnetGuard)
//
// It is idempotent: rules already there are not added twice.
//
// Equivalent to: nft add table ip TABLE; nft add chain ...; nft add rule ...
func SetupNAT(table, bridge string, subnet *net.IPNet) (*NAT, error) {
	n := &NAT{Table: table, Bridge: bridge, Subnet: subnet}
	c, err := nftables.New()
	if err != nil {
		return nil, fmt.Errorf("nftables netlink socket: %w", err)
	}
	hooks := []struct {
		name string
		typ  nftables.ChainType
		hook *nftables.ChainHook
		prio *nftables.ChainPriority
	}{
		{ChainPrerouting, nftables.ChainTypeNAT, nftables.ChainHookPrerouting, nftables.ChainPriorityNATDest},
		{ChainOutput, nftables.ChainTypeNAT, nftables.ChainHookOutput, nftables.ChainPriorityNATDest},
		{ChainPostrouting, nftables.ChainTypeNAT, nftables.ChainHookPostrouting, nftables.ChainPriorityNATSource},
		{ChainInput, nftables.ChainTypeFilter, nftables.ChainHookInput, nftables.ChainPriorityFilter},
	}
	// Reading is cheap; every change is a transaction the kernel commits
	// with a wait for readers to finish. Only write what is missing, so
	// that the second container on a bridge pays nothing here.
	have := map[string]bool{}
	if chains, err := c.ListChainsOfTableFamily(nftables.TableFamilyIPv4); err == nil {
		for _, ch := range chains {
			if ch.Table != nil && ch.Table.Name == table {
				have[ch.Name] = true
			}
		}
	}
	if !have[ChainPrerouting] || !have[ChainOutput] || !have[ChainPostrouting] || !have[ChainInput] {
		t := c.AddTable(n.table())
		for _, h := range hooks {
			c.AddChain(&nftables.Chain{Name: h.name, Table: t, Type: h.typ, Hooknum: h.hook, Priority: h.prio})
		}
		if err := c.Flush(); err != nil {
			return nil, fmt.Errorf("creating nftables table ip %s: %w", table, err)
		}
		trace.Action("nft add table", trace.Str("table", "ip "+table))
		trace.Shell("nft add table ip " + table)
		for _, h := range hooks {
			if trace.Enabled(trace.Steps) {
				trace.Shellf("nft add chain ip %s %s '{ type %s hook %s priority %d; }'", table, h.name, h.typ, h.name, *h.prio)
			}
		}
	} else {
		trace.Action("nft table present", trace.Str("table", "ip "+table), trace.Str("chains", "prerouting output postrouting input"))
	}
	masq := []rule{
		{ChainPostrouting, fmt.Sprintf("ip saddr %s oifname != %s counter masquerade", subnet, bridge),
			concat(ipSaddrIn(subnet), oifname(expr.CmpOpNeq, bridge), counterMasq())},
		{ChainPostrouting, fmt.Sprintf("ip saddr 127.0.0.0/8 oifname %s counter masquerade", bridge),
			concat(ipSaddrIn(loopbackNet), oifname(expr.CmpOpEq, bridge), counterMasq())},
		localnetGuard(bridge),
	}
	existing, err := n.Rules()
	if err != nil {
		return nil, err
	}
	for _, r := range masq {
		if !hasRule(existing, r.chain, r.text) {
			if err := n.addRules(r); err != nil {
				return nil, err
			}
		}
	}
	return n, nil
}

// rule is one rule to add: its chain, its nft text and its expressions.
type rule struct {
	chain string
	text  string
	exprs []expr.Any
}

func (n *NAT) addRules(rs ...rule) error {
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("nftables netlink socket: %w", err)
	}
	for _, r := range rs {
		c.AddRule(&nftables.Rule{Table: n.table(), Chain: n.chain(r.chain), Exprs: r.exprs,
			UserData: userdata.AppendString(nil, userdata.TypeComment, r.text)})
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("adding nftables rule %q to ip %s: %w", rs[0].text, n.Table, err)
	}
	for _, r := range rs {
		trace.Action("nft add rule", trace.Str("table", "ip "+n.Table), trace.Str("chain", r.chain), trace.Str("rule", r.text))
		if trace.Enabled(trace.Steps) {
			trace.Shellf("nft add rule ip %s %s %s", n.Table, r.chain, r.text)
		}
	}
	return nil
}

// RuleInfo is a rule read back from the kernel, with its counter.
type RuleInfo struct {
	Chain   string `json:"chain"`
	Handle  uint64 `json:"handle"`
	Rule    string `json:"rule"` // its comment: the nft text vitro built it from
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
}

// Rules reads every rule of the table, chain by chain.
//
// Equivalent to: nft -a list table ip TABLE
func (n *NAT) Rules() ([]RuleInfo, error) { return ListRules(n.Table) }

// ListRules reads every rule of table ip TABLE with its counter. A table
// that does not exist has no rules.
func ListRules(table string) ([]RuleInfo, error) {
	c, err := nftables.New()
	if err != nil {
		return nil, fmt.Errorf("nftables netlink socket: %w", err)
	}
	t := &nftables.Table{Name: table, Family: nftables.TableFamilyIPv4}
	var out []RuleInfo
	for _, ch := range []string{ChainPrerouting, ChainOutput, ChainPostrouting, ChainInput} {
		rs, err := c.GetRules(t, &nftables.Chain{Name: ch, Table: t})
		if errors.Is(err, unix.ENOENT) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("listing rules of ip %s %s: %w", table, ch, err)
		}
		for _, r := range rs {
			ri := RuleInfo{Chain: ch, Handle: r.Handle}
			ri.Rule, _ = userdata.GetString(r.UserData, userdata.TypeComment)
			for _, e := range r.Exprs {
				if cn, ok := e.(*expr.Counter); ok {
					ri.Packets, ri.Bytes = cn.Packets, cn.Bytes
				}
			}
			out = append(out, ri)
		}
	}
	trace.KernelEvent("NFT_MSG_GETRULE", trace.Str("table", "ip "+table), trace.Int("rules", int64(len(out))))
	return out, nil
}

func hasRule(rs []RuleInfo, chain, text string) bool {
	for _, r := range rs {
		if r.Chain == chain && r.Rule == text {
			return true
		}
	}
	return false
}

// DeleteNAT deletes table ip TABLE with all its chains and rules. A
// missing table is not an error.
//
// Equivalent to: nft delete table ip TABLE
func DeleteNAT(table string) error {
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("nftables netlink socket: %w", err)
	}
	if _, err := c.ListTableOfFamily(table, nftables.TableFamilyIPv4); err != nil {
		return nil // not there
	}
	c.DelTable(&nftables.Table{Name: table, Family: nftables.TableFamilyIPv4})
	if err := c.Flush(); err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("deleting nftables table ip %s: %w", table, err)
	}
	trace.Action("nft delete table", trace.Str("table", "ip "+table))
	trace.Shell("nft delete table ip " + table)
	return nil
}

// TableExists reports whether table ip TABLE is in the kernel.
func TableExists(table string) bool {
	c, err := nftables.New()
	if err != nil {
		return false
	}
	_, err = c.ListTableOfFamily(table, nftables.TableFamilyIPv4)
	return err == nil
}
