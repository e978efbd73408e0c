package engine

import (
	"context"
	"fmt"
	"net"

	"github.com/vitro-dev/vitro/internal/trace"
	"github.com/vitro-dev/vitro/netdemo"
)

// network is step 4: with --network bridge (the default), a veth pair
// whose host end is a port of the vitro bridge and whose other end becomes
// eth0 in the container's network namespace. --network none leaves the
// container only its loopback; --network host shares the host's stack.
func (r *run) network(ctx context.Context) error {
	c := r.c
	switch c.Config.NetworkMode {
	case "host":
		trace.Action("network host: the container shares the host's network namespace")
		return nil
	case "none", "bridge":
	default:
		return fmt.Errorf("--network %q: want bridge, none or host", c.Config.NetworkMode)
	}
	ns, err := netdemo.OpenNS(c.State.Pid, "container "+c.ID[:12])
	if err != nil {
		return err
	}
	r.netns = ns
	r.onStop("netns handle", ns.Close)
	if c.Config.NetworkMode == "none" {
		links, err := ns.Links()
		if err != nil {
			return err
		}
		defer links.Close()
		return links.Up("lo")
	}
	br, err := r.e.ensureBridge()
	if err != nil {
		return err
	}
	hostIf := hostVeth(c.ID)
	ep, err := netdemo.Connect(br.Name, ns, hostIf, "eth0")
	if err != nil {
		return err
	}
	r.endpoint = ep
	// When the program ends, its network namespace dies and the kernel
	// removes both ends of the pair with it (deleting the pair ourselves
	// would wait for an RCU grace period). Only when a later step fails
	// while init still runs does vitro delete it.
	r.onFailure("veth "+hostIf, func() error { return netdemo.Disconnect(hostIf) })
	c.Network = Network{Bridge: br.Name, HostVeth: hostIf, MacAddress: ep.MAC}
	return r.e.Containers.Save(c)
}

// address is step 5: the lowest free address of the bridge's subnet,
// from the bridge's pool under <run-root>/network, put on eth0 with a
// default route through the bridge; then NAT for outgoing traffic and
// the published ports. The pool records each address and port for the
// container before it is configured or its rules added, so whoever finds
// this process dead can release them (reconcile_linux.go).
func (r *run) address(ctx context.Context) error {
	c := r.c
	if r.endpoint == nil {
		if len(r.o.Publish) > 0 {
			return fmt.Errorf("-p needs --network bridge (the container has no address to forward to with --network %s)", c.Config.NetworkMode)
		}
		return nil
	}
	pool, err := r.e.addressPool()
	if err != nil {
		return err
	}
	subnet := pool.Subnet
	r.onStop("address and ports of "+c.ID[:12]+" in "+pool.Path(), func() error { return r.e.releaseNetwork(c) })
	addr, err := pool.Allocate(c.ID)
	if err != nil {
		return err
	}
	if err := r.endpoint.Configure(r.netns, addr, subnet.Gateway); err != nil {
		return err
	}
	ones, _ := addr.Mask.Size()
	c.Network.IPAddress, c.Network.PrefixLen, c.Network.Gateway = addr.IP.String(), ones, subnet.Gateway.String()
	if err := r.publish(pool, addr); err != nil {
		return err
	}
	return r.e.Containers.Save(c)
}

// publish adds masquerading for the bridge's subnet and forwards each -p
// port of the host to the container's address, with DNAT rules that also
// catch the host's own connections to 127.0.0.1 (netdemo.NAT.Publish
// explains why a rule and not a proxy). Each port is claimed in the
// bridge's pool before its rules exist: a port another container holds
// is refused as docker does ("port is already allocated").
func (r *run) publish(pool *netdemo.Pool, addr *net.IPNet) error {
	subnet := pool.Subnet
	var maps []netdemo.PortMapping
	for _, spec := range r.o.Publish {
		m, err := netdemo.ParsePortSpec(spec)
		if err != nil {
			return err
		}
		maps = append(maps, m)
	}
	bridge := r.c.Network.Bridge
	// As dockerd does: the host must route between the bridge and its
	// other interfaces for containers to reach beyond it.
	if err := netdemo.EnableForwarding(); err != nil {
		return err
	}
	nat, err := r.e.setupNAT(bridge, subnet)
	if err != nil {
		return err
	}
	if len(maps) == 0 {
		return nil
	}
	if err := netdemo.SetRouteLocalnet(bridge); err != nil {
		return err
	}
	for _, m := range maps {
		p, err := nat.Plan(m, addr.IP)
		if err != nil {
			return err
		}
		if err := pool.ClaimPort(r.c.ID, *p); err != nil {
			return err
		}
		if err := nat.Add(p); err != nil {
			return err
		}
		r.c.Network.Ports = append(r.c.Network.Ports, *p)
	}
	return nil
}
