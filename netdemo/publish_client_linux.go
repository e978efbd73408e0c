package netdemo

import (
	"fmt"
	"net"
	"os"

	"github.com/vitro-dev/vitro/internal/trace"
)

// remoteClient makes a namespace that plays another host on the network:
//
//	client netns                host netns
//	eth0 10.99.y.2/24 ──veth── vd…x 10.99.y.1/24   forwarding=1 here and on the bridge
//
// A request from it to 10.99.y.1:HOSTPORT arrives on the host from
// outside, so it meets the DNAT rule in prerouting (not output), and the
// host must forward it from vd…x to the bridge. Forwarding is switched
// on for these two interfaces only (net.ipv4.conf.DEV.forwarding): the
// host-wide net.ipv4.ip_forward is left as it is. Everything is pushed
// on u for removal.
func remoteClient(u *undo, sfx, bridge string) (*NS, net.IP, error) {
	hostIf, tmp := Prefix+sfx+"x", Prefix+sfx+"x-c"
	host := HostLinks()
	s, err := claimSubnet(func(s Subnet) error {
		if _, err := host.AddVeth(hostIf, tmp); err != nil {
			return err
		}
		u.push("veth "+hostIf, func() error { return host.Delete(hostIf) })
		return host.AddAddr(hostIf, s.GatewayCIDR())
	})
	if err != nil {
		return nil, nil, err
	}
	ns, err := NewNS(Prefix + sfx + "-x")
	if err != nil {
		return nil, nil, err
	}
	u.push("netns "+ns.Label, ns.Close)
	if err := host.MoveTo(tmp, ns); err != nil {
		return nil, nil, err
	}
	if err := host.Up(hostIf); err != nil {
		return nil, nil, err
	}
	in, err := ns.Links()
	if err != nil {
		return nil, nil, err
	}
	defer in.Close()
	if err := in.Rename(tmp, "eth0"); err != nil {
		return nil, nil, err
	}
	for _, l := range []string{"lo", "eth0"} {
		if err := in.Up(l); err != nil {
			return nil, nil, err
		}
	}
	addr := &net.IPNet{IP: uintToIP4(ip4ToUint(s.Gateway) + 1), Mask: s.Net.Mask}
	if err := in.AddAddr("eth0", addr); err != nil {
		return nil, nil, err
	}
	for _, dev := range []string{hostIf, bridge} {
		if err := setForwarding(dev); err != nil {
			return nil, nil, err
		}
	}
	return ns, s.Gateway, nil
}

// setForwarding lets the host route packets that arrive on dev.
//
// Equivalent to: sysctl -w net.ipv4.conf.DEV.forwarding=1
func setForwarding(dev string) error {
	path := "/proc/sys/net/ipv4/conf/" + dev + "/forwarding"
	if err := os.WriteFile(path, []byte("1\n"), 0o644); err != nil {
		return fmt.Errorf("enabling forwarding on %s: %w", dev, err)
	}
	trace.KernelEvent("write", trace.Str("path", path), trace.Str("value", "1"))
	trace.Action("sysctl", trace.Str("key", "net.ipv4.conf."+dev+".forwarding"), trace.Str("value", "1"))
	trace.Shell("sysctl -w net.ipv4.conf." + dev + ".forwarding=1")
	return nil
}
