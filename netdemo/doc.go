// Package netdemo shows container networking with netlink, not the ip
// command: veth pairs, a bridge, an address pool (IPAM), NAT and published
// ports. Steps 4 and 5 of `vitro run` are built from its primitives.
package netdemo
