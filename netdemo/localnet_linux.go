package netdemo

import (
	"encoding/binary"
	"fmt"
	"net"

	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// The host's loopback, 127.0.0.0/8.
var loopbackNet = &net.IPNet{IP: net.IPv4(127, 0, 0, 0).To4(), Mask: net.CIDRMask(8, 32)}

// ipsDstNAT is the conntrack status bit IPS_DST_NAT (1 << 5): the
// connection's destination was rewritten by a DNAT rule.
const ipsDstNAT = 1 << 5

// localnetGuard is the rule that keeps containers off the host's loopback:
//
//	iifname BRIDGE ip daddr 127.0.0.0/8 ct status & dnat == 0 counter drop
//
// in a filter chain on the input hook. Why it is needed: -p 127.0.0.1:…
// works by DNAT, and its packets leave through the bridge with source
// 127.0.0.1, which the kernel allows only with route_localnet=1 on the
// bridge (see NAT.Publish). But route_localnet works both ways: the host
// then also accepts a packet that ARRIVES on the bridge addressed to
// 127.0.0.1. A container cannot send one through its own stack (its
// 127.0.0.1 is its own loopback), but with CAP_NET_RAW, in docker's
// default set, it can write a raw Ethernet frame to the bridge's MAC
// with destination 127.0.0.1, and a host service listening on
// 127.0.0.1 only, trusting that nothing but the host can reach it,
// receives it (CVE-2020-8558, the same hole in Kubernetes' kube-proxy).
//
// Kubernetes closed it with this rule: drop what comes to 127.0.0.0/8
// unless conntrack says the connection was DNAT'd. Replies to the host's
// own connections to a published 127.0.0.1 port still pass: their
// connection was DNAT'd by the output chain, so its status has the bit.
// The input hook runs after prerouting's DNAT, so the status is known.
func localnetGuard(bridge string) rule {
	mask := make([]byte, 4)
	binary.NativeEndian.PutUint32(mask, ipsDstNAT) // ct status is in host order
	return rule{ChainInput,
		fmt.Sprintf("iifname %s ip daddr 127.0.0.0/8 ct status & dnat == 0 counter drop", bridge),
		concat(iifname(bridge), ipDaddrIn(loopbackNet), []expr.Any{
			&expr.Ct{Register: 1, Key: expr.CtKeySTATUS},
			&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: mask, Xor: []byte{0, 0, 0, 0}},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{0, 0, 0, 0}},
			&expr.Counter{},
			&expr.Verdict{Kind: expr.VerdictDrop},
		})}
}

// iifname NAME: the interface the packet came in on.
func iifname(name string) []expr.Any {
	b := make([]byte, unix.IFNAMSIZ)
	copy(b, name)
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyIIFNAME, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: b},
	}
}

// ip daddr NET: the IPv4 destination (offset 16), masked with the prefix.
func ipDaddrIn(n *net.IPNet) []expr.Any {
	return []expr.Any{
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 16, Len: 4},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: []byte(n.Mask), Xor: []byte{0, 0, 0, 0}},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte(n.IP.To4())},
	}
}
