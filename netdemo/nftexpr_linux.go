package netdemo

import (
	"encoding/binary"
	"net"

	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// Builders of the nftables expressions vitro's rules are made of. An
// nftables rule is a little program for the kernel's nf_tables VM: load a
// field of the packet into a register, compare it, and finally act
// (count, NAT). Each builder says which nft words it stands for.

func concat(parts ...[]expr.Any) []expr.Any {
	var out []expr.Any
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// ip saddr NET: load the IPv4 source (offset 12 of the IP header), mask
// it with the prefix, compare with the network.
func ipSaddrIn(n *net.IPNet) []expr.Any {
	return []expr.Any{
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 12, Len: 4},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: []byte(n.Mask), Xor: []byte{0, 0, 0, 0}},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte(n.IP.To4())},
	}
}

// ip daddr IP: the IPv4 destination is at offset 16.
func ipDaddr(ip net.IP) []expr.Any {
	return []expr.Any{
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 16, Len: 4},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte(ip.To4())},
	}
}

// fib daddr type local: the destination is one of this host's addresses
// (127.0.0.1, eth0's, the bridge's ...), asked of the routing table.
func daddrLocal() []expr.Any {
	rtnLocal := make([]byte, 4)
	binary.NativeEndian.PutUint32(rtnLocal, unix.RTN_LOCAL)
	return []expr.Any{
		&expr.Fib{Register: 1, FlagDADDR: true, ResultADDRTYPE: true},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: rtnLocal},
	}
}

// oifname [!=] NAME: interface names are compared as 16 bytes, NUL-padded.
func oifname(op expr.CmpOp, name string) []expr.Any {
	b := make([]byte, unix.IFNAMSIZ)
	copy(b, name)
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyOIFNAME, Register: 1},
		&expr.Cmp{Op: op, Register: 1, Data: b},
	}
}

// meta l4proto PROTO PROTO dport PORT: the destination port is at
// offset 2 of both the TCP and the UDP header.
func l4Dport(proto string, port uint16) []expr.Any {
	p := byte(unix.IPPROTO_TCP)
	if proto == "udp" {
		p = unix.IPPROTO_UDP
	}
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{p}},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binary.BigEndian.AppendUint16(nil, port)},
	}
}

// counter masquerade: count, then rewrite the source to the outgoing
// interface's address (conntrack undoes it on the replies).
func counterMasq() []expr.Any {
	return []expr.Any{&expr.Counter{}, &expr.Masq{}}
}

// counter dnat to IP:PORT: count, then rewrite the destination.
func counterDNAT(ip net.IP, port uint16) []expr.Any {
	return []expr.Any{
		&expr.Counter{},
		&expr.Immediate{Register: 1, Data: []byte(ip.To4())},
		&expr.Immediate{Register: 2, Data: binary.BigEndian.AppendUint16(nil, port)},
		&expr.NAT{Type: expr.NATTypeDestNAT, Family: unix.NFPROTO_IPV4, RegAddrMin: 1, RegProtoMin: 2, Specified: true},
	}
}
