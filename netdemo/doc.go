// Package netdemo shows container networking with netlink and nftables,
// not the ip, iptables or nft commands: veth pairs, a bridge, an address
// pool (IPAM), NAT and published ports. Steps 4 and 5 of `vitro run` are
// built from its primitives; the demos behind `vitro net ...` use the
// very same calls.
//
// Primitives (each traced with its ip/nft equivalent):
//
//	NS, NewNS, OpenNS        a network namespace held by an fd (new, or a process's)
//	NS.Links, HostLinks      netlink in a namespace without switching threads (NewHandleAt)
//	NS.Do                    run code (open a socket) on a thread switched into the namespace
//	EnsureBridge             the host bridge with its gateway address (bip), overlap-checked
//	Connect, Configure       step 4 (veth born with its peer inside as eth0, bridge port) and step 5 (address, route)
//	Pool, BridgePool         lowest-free-address IPAM in a state directory, flock'd
//	SetupNAT, Publish        nftables masquerade and DNAT; Unpublish, DeleteNAT undo them
//	ParsePortSpec            docker's -p syntax (pure)
//	Ping                     ICMP echo from inside a namespace
//
// Demos: VethDemo, BridgeDemo, IPAMDemo, PublishDemo, and NetInfo for
// vitro's own bridge. docs/networking.md follows a packet through them.
package netdemo
