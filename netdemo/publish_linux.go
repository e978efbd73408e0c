package netdemo

import (
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/google/nftables"
	"github.com/google/nftables/userdata"
	"github.com/vitro-dev/vitro/internal/trace"
	"golang.org/x/sys/unix"
)

// Published is a port published by Publish; Unpublish removes it. It is
// plain data (JSON), so the engine can keep it in the container's state
// and unpublish from another process.
type Published struct {
	Table       string      `json:"table"`
	Mapping     PortMapping `json:"mapping"`
	ContainerIP string      `json:"containerIP"`
	Rule        string      `json:"rule"` // the DNAT rule's nft text, its comment in both chains
}

// Publish sends traffic for the host's port m.HostPort to
// containerIP:m.ContainerPort, with the same DNAT rule in two chains:
//
//	prerouting: packets arriving from other hosts (and from containers)
//	output:     packets this host sends itself, to any of its addresses
//	fib daddr type local PROTO dport HOSTPORT counter dnat to CIP:CPORT
//	(or ip daddr HOSTIP ... when the mapping names a host address)
//
// Why DNAT for the host's loopback too, and not a userland proxy as
// docker uses by default: a proxy is a process that must live as long as
// the container, while a rule lives in the kernel, and a student can
// watch it count the packets it rewrote. The cost is two things the
// kernel otherwise forbids. A packet to 127.0.0.1:HOSTPORT, once
// rewritten, leaves through the bridge still carrying source 127.0.0.1,
// which is only allowed with route_localnet=1 on the bridge (SetRouteLocalnet);
// and the container would answer 127.0.0.1, its own loopback, so
// SetupNAT's second masquerade rule rewrites that source to the bridge's
// address. (docker does the same with --userland-proxy=false.)
//
// A host port of 0 is replaced by a free one. A port another program
// already listens on is refused, since the rule would steal its traffic.
//
// Publish is Plan then Add; the engine claims the port in its pool's
// state between the two, so that the rules are recorded before they
// exist.
func (n *NAT) Publish(m PortMapping, containerIP net.IP) (*Published, error) {
	p, err := n.Plan(m, containerIP)
	if err != nil {
		return nil, err
	}
	if err := n.Add(p); err != nil {
		return nil, err
	}
	return p, nil
}

// Plan picks the host port (a free one for port 0; a port a program
// listens on is refused) and writes the DNAT rule's text, without adding
// anything to the kernel.
func (n *NAT) Plan(m PortMapping, containerIP net.IP) (*Published, error) {
	if containerIP.To4() == nil {
		return nil, fmt.Errorf("publish %s: container address %s is not IPv4", m, containerIP)
	}
	port, err := reserveHostPort(m)
	if err != nil {
		return nil, err
	}
	m.HostPort = port
	text := "fib daddr type local"
	if m.HostIP != "" {
		text = "ip daddr " + m.HostIP
	}
	text += fmt.Sprintf(" %s dport %d counter dnat to %s:%d", m.Proto, m.HostPort, containerIP, m.ContainerPort)
	return &Published{Table: n.Table, Mapping: m, ContainerIP: containerIP.String(), Rule: text}, nil
}

// Add puts p's DNAT rule in the prerouting and output chains.
func (n *NAT) Add(p *Published) error {
	m := p.Mapping
	existing, err := n.Rules()
	if err != nil {
		return err
	}
	for _, r := range existing {
		if r.Chain == ChainOutput && r.Rule == p.Rule {
			return fmt.Errorf("publish %s: already published in table ip %s", m, n.Table)
		}
	}
	match := daddrLocal()
	if m.HostIP != "" {
		match = ipDaddr(net.ParseIP(m.HostIP))
	}
	exprs := concat(match, l4Dport(m.Proto, m.HostPort), counterDNAT(net.ParseIP(p.ContainerIP), m.ContainerPort))
	if err := n.addRules(rule{ChainPrerouting, p.Rule, exprs}, rule{ChainOutput, p.Rule, exprs}); err != nil {
		return fmt.Errorf("publish %s: %w", m, err)
	}
	return nil
}

// reserveHostPort checks that the host port is free by binding it for a
// moment, and picks a free one for port 0.
func reserveHostPort(m PortMapping) (uint16, error) {
	addr := net.JoinHostPort(m.HostIP, strconv.Itoa(int(m.HostPort)))
	var got string
	var err error
	if m.Proto == "udp" {
		var c net.PacketConn
		if c, err = net.ListenPacket("udp4", addr); err == nil {
			got = c.LocalAddr().String()
			c.Close()
		}
	} else {
		var l net.Listener
		if l, err = net.Listen("tcp4", addr); err == nil {
			got = l.Addr().String()
			l.Close()
		}
	}
	if err != nil {
		return 0, bindError(m, err)
	}
	_, p, _ := net.SplitHostPort(got)
	n, _ := strconv.Atoi(p)
	return uint16(n), nil
}

// bindError says why the host side of m could not be bound: an address
// that is not this host's (EADDRNOTAVAIL), a port in use (EADDRINUSE), or
// anything else, as the kernel said it.
func bindError(m PortMapping, err error) error {
	switch {
	case errors.Is(err, unix.EADDRNOTAVAIL):
		return fmt.Errorf("publish %s: %s is not an address of this host (%v): give one of its addresses (ip -4 addr), or leave the address out to publish on all of them", m, m.HostIP, err)
	case errors.Is(err, unix.EADDRINUSE):
		return fmt.Errorf("publish %s: host port %d/%s is not free (%v): choose another host port", m, m.HostPort, m.Proto, err)
	}
	return fmt.Errorf("publish %s: cannot bind host port %d/%s: %w", m, m.HostPort, m.Proto, err)
}

// Unpublish deletes the rules Publish added (found by their comment).
// Rules already gone are not an error.
//
// Equivalent to: nft delete rule ip TABLE CHAIN handle H (for each)
func Unpublish(p *Published) error {
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("nftables netlink socket: %w", err)
	}
	t := &nftables.Table{Name: p.Table, Family: nftables.TableFamilyIPv4}
	type del struct {
		chain  string
		handle uint64
	}
	var deleted []del
	for _, ch := range []string{ChainPrerouting, ChainOutput} {
		chain := &nftables.Chain{Name: ch, Table: t}
		rs, err := c.GetRules(t, chain)
		if err != nil {
			continue // no table or chain: nothing to delete
		}
		for _, r := range rs {
			if s, _ := userdata.GetString(r.UserData, userdata.TypeComment); s == p.Rule {
				if err := c.DelRule(&nftables.Rule{Table: t, Chain: chain, Handle: r.Handle}); err != nil {
					return err
				}
				deleted = append(deleted, del{ch, r.Handle})
			}
		}
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("unpublish %s: deleting rules of ip %s: %w", p.Mapping, p.Table, err)
	}
	if trace.Enabled(trace.Steps) {
		for _, d := range deleted {
			trace.Action("nft delete rule", trace.Str("table", "ip "+p.Table), trace.Str("chain", d.chain), trace.Int("handle", int64(d.handle)), trace.Str("rule", p.Rule))
			trace.Shellf("nft delete rule ip %s %s handle %d", p.Table, d.chain, d.handle)
		}
	}
	return nil
}
