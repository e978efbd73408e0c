package netdemo

import (
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/vishvananda/netlink"
	"github.com/vitro-dev/vitro/internal/trace"
	"golang.org/x/sys/unix"
)

// Bridge is a host bridge with its gateway address: vitro's vitro0, like
// docker's docker0. Containers' veths are its ports; the gateway address
// makes the host a member of the subnet, its containers' first hop.
type Bridge struct {
	Name    string `json:"name"`
	Index   int    `json:"ifindex"`
	MAC     string `json:"mac"`
	Subnet  string `json:"subnet"`
	Gateway string `json:"gateway"`
	Created bool   `json:"created"` // made by this call, not found
}

// EnsureBridge makes sure bridge name exists on the host, is up and holds
// gatewayCIDR (bip), creating what is missing. Before creating anything
// it refuses a subnet that overlaps a route of the host. If it fails
// after creating the bridge, it deletes it again.
//
// Equivalent to:
//
//	ip link add NAME type bridge
//	ip addr add GATEWAY/PREFIX dev NAME
//	ip link set NAME up
func EnsureBridge(name, gatewayCIDR string) (b *Bridge, err error) {
	s, err := ParseSubnet(gatewayCIDR)
	if err != nil {
		return nil, fmt.Errorf("bridge %s: bip %w", name, err)
	}
	host := HostLinks()
	link, err := host.h.LinkByName(name)
	var nf netlink.LinkNotFoundError
	created := false
	switch {
	case errors.As(err, &nf):
		if err := CheckSubnetFree(s.Net, name); err != nil {
			return nil, fmt.Errorf("bridge %s, bip %q: %w", name, gatewayCIDR, err)
		}
		// Another vitro may create it between our look-up and now: then
		// it is found, not made.
		if _, err := host.AddBridge(name); err != nil && !errors.Is(err, unix.EEXIST) {
			return nil, err
		} else if err == nil {
			created = true
			defer func() {
				if err != nil {
					host.Delete(name)
				}
			}()
		}
	case err != nil:
		return nil, fmt.Errorf("looking up bridge %s: %w", name, err)
	case link.Type() != "bridge":
		return nil, fmt.Errorf("%s exists on the host but is a %s, not a bridge: choose another \"bridge\" in the config", name, link.Type())
	}
	has, err := hasAddr(host, name, s.GatewayCIDR())
	if err != nil {
		return nil, err
	}
	if !has {
		if !created {
			if err := CheckSubnetFree(s.Net, name); err != nil {
				return nil, fmt.Errorf("bridge %s, bip %q: %w", name, gatewayCIDR, err)
			}
		}
		if err := host.AddAddr(name, s.GatewayCIDR()); err != nil && !errors.Is(err, unix.EEXIST) {
			return nil, err
		}
	}
	if err := host.Up(name); err != nil {
		return nil, err
	}
	link, err = host.Get(name)
	if err != nil {
		return nil, err
	}
	return &Bridge{Name: name, Index: link.Attrs().Index, MAC: link.Attrs().HardwareAddr.String(),
		Subnet: s.Net.String(), Gateway: s.Gateway.String(), Created: created}, nil
}

func hasAddr(l Links, name string, want *net.IPNet) (bool, error) {
	link, err := l.Get(name)
	if err != nil {
		return false, err
	}
	addrs, err := dumpAgain(func() ([]netlink.Addr, error) { return l.h.AddrList(link, netlink.FAMILY_V4) })
	if err != nil {
		return false, fmt.Errorf("listing addresses of %s: %w", name, err)
	}
	for _, a := range addrs {
		if a.IPNet.String() == want.String() {
			return true, nil
		}
	}
	return false, nil
}

// RemoveBridge deletes the bridge (its ports are detached, not deleted).
//
// Equivalent to: ip link delete NAME
func RemoveBridge(name string) error { return HostLinks().Delete(name) }

// SetRouteLocalnet sets net.ipv4.conf.DEV.route_localnet, which lets a
// packet with a 127.0.0.0/8 source leave through DEV: what published
// ports need to answer the host's own loopback (see nat_linux.go).
//
// Equivalent to: sysctl -w net.ipv4.conf.DEV.route_localnet=1
func SetRouteLocalnet(dev string) error {
	path := "/proc/sys/net/ipv4/conf/" + dev + "/route_localnet"
	if err := os.WriteFile(path, []byte("1\n"), 0o644); err != nil {
		return fmt.Errorf("enabling route_localnet on %s: %w", dev, err)
	}
	trace.KernelEvent("write", trace.Str("path", path), trace.Str("value", "1"))
	trace.Action("sysctl", trace.Str("key", "net.ipv4.conf."+dev+".route_localnet"), trace.Str("value", "1"))
	trace.Shell("sysctl -w net.ipv4.conf." + dev + ".route_localnet=1")
	return nil
}

// EnableForwarding turns on IPv4 forwarding for the host, which
// containers need to reach other networks and other hosts need to reach
// published ports (the host then routes between the bridge and its other
// interfaces). It is host-wide, so the demos never call it; the engine
// does, as dockerd does at start.
//
// Equivalent to: sysctl -w net.ipv4.ip_forward=1
func EnableForwarding() error {
	const path = "/proc/sys/net/ipv4/ip_forward"
	if readSysctl(path) == "1" {
		return nil
	}
	if err := os.WriteFile(path, []byte("1\n"), 0o644); err != nil {
		return fmt.Errorf("enabling IPv4 forwarding: %w", err)
	}
	trace.KernelEvent("write", trace.Str("path", path), trace.Str("value", "1"))
	trace.Action("sysctl", trace.Str("key", "net.ipv4.ip_forward"), trace.Str("value", "1"))
	trace.Shell("sysctl -w net.ipv4.ip_forward=1")
	return nil
}

// ErrBridgeClaimed: the bridge belongs to another owner (ClaimBridge).
var ErrBridgeClaimed = errors.New("bridge belongs to another vitro")

// ClaimBridge marks the bridge as owner's by its interface alias (what
// `ip link show` prints as "alias"), or checks that it already is. The
// state of a bridge (its address pool, its published ports) lives in one
// place; a second vitro with its state elsewhere would hand out the same
// addresses on the same wire, so it is refused with ErrBridgeClaimed.
//
// Equivalent to: ip link set NAME alias OWNER
func ClaimBridge(name, owner string) error {
	host := HostLinks()
	link, err := host.Get(name)
	if err != nil {
		return err
	}
	switch alias := link.Attrs().Alias; alias {
	case owner:
		return nil
	case "":
	default:
		return fmt.Errorf("%w: %s is marked %q (ip link show %s), not %q", ErrBridgeClaimed, name, alias, name, owner)
	}
	if err := host.h.LinkSetAlias(link, owner); err != nil {
		return fmt.Errorf("marking bridge %s as %q: %w", name, owner, err)
	}
	host.traced("link set alias", "link set "+name+" alias '"+owner+"'", trace.Str("name", name), trace.Str("alias", owner))
	// Two vitros claiming at once: the alias written last wins, and the
	// other learns it here.
	if link, err = host.Get(name); err == nil && link.Attrs().Alias != owner {
		return fmt.Errorf("%w: %s was marked %q at the same moment, not %q", ErrBridgeClaimed, name, link.Attrs().Alias, owner)
	}
	return err
}
