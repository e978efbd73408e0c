package netdemo

import (
	"fmt"
	"strings"
	"time"

	"github.com/vitro-dev/vitro/internal/trace"
)

// PortAllocation records a published host port: who holds it and the
// rules that forward it, written to the pool's state BEFORE the rules
// are added, so that whoever finds the owner dead can delete them.
type PortAllocation struct {
	Owner     string    `json:"owner"`
	Since     time.Time `json:"since"`
	Published Published `json:"published"`
}

func portKey(m PortMapping) string {
	return fmt.Sprintf("%s/%s:%d", m.Proto, hostIPOrAny(m.HostIP), m.HostPort)
}

func hostIPOrAny(ip string) string {
	if ip == "" {
		return "0.0.0.0"
	}
	return ip
}

// portsClash reports whether two published host ports would catch the
// same packets: same protocol and port, and the same host address or
// either on every address.
func portsClash(a, b PortMapping) bool {
	return a.Proto == b.Proto && a.HostPort == b.HostPort &&
		(a.HostIP == b.HostIP || a.HostIP == "" || b.HostIP == "")
}

// ClaimPort records that owner publishes p. A host port that another
// owner holds is refused with docker's words, wrapping ErrPortAllocated:
//
//	Bind for 0.0.0.0:8080 failed: port is already allocated
//
// The claim comes first, the rules after (NAT.Add): two containers racing
// for one port are ordered by the pool's lock, and a crash after the
// claim leaves a record that names the rules to delete.
func (p *Pool) ClaimPort(owner string, pub Published) error {
	m := pub.Mapping
	var holder string
	err := p.locked(func(st *PoolState) (bool, error) {
		for _, a := range st.Ports {
			if portsClash(a.Published.Mapping, m) && a.Owner != owner {
				holder = a.Owner
				//lint:ignore ST1005 docker's own words, which users search for
				return false, fmt.Errorf("Bind for %s:%d failed: %w", hostIPOrAny(m.HostIP), m.HostPort, ErrPortAllocated)
			}
		}
		st.Ports[portKey(m)] = PortAllocation{Owner: owner, Since: time.Now().UTC(), Published: pub}
		return true, nil
	})
	if err != nil {
		trace.Action("port refused", trace.Str("port", portKey(m)), trace.Str("held by", holder))
		return err
	}
	trace.Action("port claimed", trace.Str("port", portKey(m)), trace.Str("owner", owner), trace.Str("state", p.Path()))
	return nil
}

// PortsOf lists the ports owner holds, as Unpublish needs them.
func (p *Pool) PortsOf(owner string) ([]Published, error) {
	var out []Published
	err := p.locked(func(st *PoolState) (bool, error) {
		for _, a := range st.Ports {
			if a.Owner == owner {
				out = append(out, a.Published)
			}
		}
		return false, nil
	})
	return out, err
}

// ReleaseOwner gives back every address and port owner holds, and
// returns the addresses. Whoever calls it has deleted the ports' rules
// first (Unpublish of each of PortsOf): the record goes last, so a crash
// in between leaves it to be found again.
func (p *Pool) ReleaseOwner(owner string) ([]string, error) {
	var addrs []string
	var ports []string
	err := p.locked(func(st *PoolState) (bool, error) {
		for a, al := range st.Allocated {
			if al.Owner == owner {
				addrs = append(addrs, a)
				delete(st.Allocated, a)
			}
		}
		for k, a := range st.Ports {
			if a.Owner == owner {
				ports = append(ports, k)
				delete(st.Ports, k)
			}
		}
		return len(addrs)+len(ports) > 0, nil
	})
	if err == nil && len(addrs)+len(ports) > 0 {
		trace.Action("ipam release", trace.Str("owner", owner), trace.Str("addresses", strings.Join(addrs, " ")), trace.Str("ports", strings.Join(ports, " ")), trace.Str("state", p.Path()))
	}
	return addrs, err
}
