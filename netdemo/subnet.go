package netdemo

import (
	"encoding/binary"
	"fmt"
	"net"
	"strings"

	"github.com/vitro-dev/vitro/internal/config"
)

// Subnet is a bridge's network: the subnet and the gateway address the
// bridge itself holds. It is what `bip` in the config describes.
type Subnet struct {
	Net     *net.IPNet
	Gateway net.IP
}

// ParseSubnet parses a gateway address in CIDR form ("10.98.0.1/16"), as
// the config's bip is written. The error quotes the value; callers say
// where it came from (bip, --subnet).
func ParseSubnet(gatewayCIDR string) (Subnet, error) {
	gw, n, err := config.ParseBIP(gatewayCIDR)
	if err != nil {
		return Subnet{}, fmt.Errorf("%q: %w", gatewayCIDR, err)
	}
	return Subnet{Net: n, Gateway: gw}, nil
}

// GatewayCIDR returns the gateway with the subnet's prefix, the address
// the bridge carries ("10.98.0.1/16").
func (s Subnet) GatewayCIDR() *net.IPNet {
	return &net.IPNet{IP: s.Gateway, Mask: s.Net.Mask}
}

// String returns the subnet in CIDR form.
func (s Subnet) String() string { return s.Net.String() }

// hostRange returns the first and last usable addresses as numbers: the
// network address (all host bits 0) and the broadcast address (all 1) are
// never handed out.
func (s Subnet) hostRange() (first, last uint32) {
	base := ip4ToUint(s.Net.IP)
	ones, _ := s.Net.Mask.Size()
	size := uint32(1) << (32 - ones)
	return base + 1, base + size - 2
}

// Capacity is how many addresses containers can get: the subnet's size
// less network, broadcast and gateway.
func (s Subnet) Capacity() int {
	first, last := s.hostRange()
	n := int(last-first) + 1
	if s.Net.Contains(s.Gateway) {
		n--
	}
	return n
}

// lowestFree returns the lowest usable address that is neither the
// gateway nor in used.
func (s Subnet) lowestFree(used map[string]bool) (net.IP, bool) {
	first, last := s.hostRange()
	gw := ip4ToUint(s.Gateway)
	for n := first; n <= last && n >= first; n++ {
		if n == gw {
			continue
		}
		ip := uintToIP4(n)
		if !used[ip.String()] {
			return ip, true
		}
	}
	return nil, false
}

// inRange reports whether ip is an address the pool could hand out.
func (s Subnet) inRange(ip net.IP) bool {
	ip4 := ip.To4()
	if ip4 == nil || !s.Net.Contains(ip4) {
		return false
	}
	first, last := s.hostRange()
	n := ip4ToUint(ip4)
	return n >= first && n <= last && !ip4.Equal(s.Gateway)
}

// Overlaps reports whether two IPv4 networks share any address.
func Overlaps(a, b *net.IPNet) bool {
	return a.Contains(b.IP) || b.Contains(a.IP)
}

// Route is the part of a host route that overlap checks need.
type Route struct {
	Dst    *net.IPNet
	Device string
}

// CheckOverlap returns an error naming the first route in routes whose
// destination overlaps subnet. Default routes (prefix length 0) cover
// everything and are ignored, as docker does; so are routes through
// ignoreDevice (the bridge's own route, when it already exists).
func CheckOverlap(subnet *net.IPNet, routes []Route, ignoreDevice string) error {
	for _, r := range routes {
		if r.Dst == nil {
			continue
		}
		if ones, _ := r.Dst.Mask.Size(); ones == 0 {
			continue
		}
		if ignoreDevice != "" && r.Device == ignoreDevice {
			continue
		}
		if Overlaps(subnet, r.Dst) {
			return &overlapError{fmt.Sprintf("subnet %s overlaps the host's route to %s on %s: choose another subnet (such as %s)",
				subnet, r.Dst, r.Device, suggestSubnet(subnet, routes))}
		}
	}
	return nil
}

// suggestSubnet proposes a 10.x.0.1/16 clear of every route.
func suggestSubnet(want *net.IPNet, routes []Route) string {
	for x := 99; x < 255; x++ {
		cand := &net.IPNet{IP: net.IPv4(10, byte(x), 0, 0).To4(), Mask: net.CIDRMask(16, 32)}
		free := true
		for _, r := range routes {
			if r.Dst != nil && !strings.HasSuffix(r.Dst.String(), "/0") && Overlaps(cand, r.Dst) {
				free = false
				break
			}
		}
		if free && !Overlaps(cand, want) {
			return fmt.Sprintf("10.%d.0.1/16", x)
		}
	}
	return "another private range"
}

func ip4ToUint(ip net.IP) uint32 { return binary.BigEndian.Uint32(ip.To4()) }

func uintToIP4(n uint32) net.IP {
	ip := make(net.IP, 4)
	binary.BigEndian.PutUint32(ip, n)
	return ip
}

// overlapError is an ErrSubnetInUse with the route it clashes with.
type overlapError struct{ msg string }

func (e *overlapError) Error() string        { return e.msg }
func (e *overlapError) Is(target error) bool { return target == ErrSubnetInUse }
