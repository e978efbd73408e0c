package netdemo

import (
	"errors"
	"fmt"
	"net"
	"os"
)

// BridgePool is the pool a bridge's containers get their addresses from:
// the bridge's subnet (bip), its state kept in dir (the engine passes
// <data-root>/network). It refuses a subnet that overlaps a route of the
// host other than the bridge's own.
func BridgePool(dir, bridge, bip string) (*Pool, error) {
	s, err := ParseSubnet(bip)
	if err != nil {
		return nil, fmt.Errorf("bip %w", err)
	}
	if err := CheckSubnetFree(s.Net, bridge); err != nil {
		return nil, fmt.Errorf("bip %q: %w", bip, err)
	}
	return NewPool(dir, s), nil
}

// IPAMStep is one operation of the IPAM demo and the pool after it.
type IPAMStep struct {
	Op      string `json:"op"` // allocate or release
	Owner   string `json:"owner"`
	Address string `json:"address,omitempty"`
	Error   string `json:"error,omitempty"`
	InUse   int    `json:"inUse"`
	Free    int    `json:"free"`
}

// IPAMResult is what IPAMDemo saw.
type IPAMResult struct {
	Subnet    string     `json:"subnet"`
	Gateway   string     `json:"gateway"`
	Capacity  int        `json:"capacity"`
	StateFile string     `json:"stateFile"`
	Steps     []IPAMStep `json:"steps"`
	State     string     `json:"state"` // the state file's content when the pool was full
	Removed   []string   `json:"removed"`
}

// IPAMDemo runs a small pool (gatewayCIDR, such as 10.99.0.1/29) kept
// in dir in a file of its own: it allocates three
// addresses, releases the middle one, allocates again (the lowest free
// address comes back), then fills the pool and asks once more, which
// fails with ErrPoolFull. The pool's files are removed at the end.
func IPAMDemo(dir, gatewayCIDR string) (res *IPAMResult, err error) {
	s, err := ParseSubnet(gatewayCIDR)
	if err != nil {
		return nil, fmt.Errorf("--subnet %w", err)
	}
	if err := CheckSubnetFree(s.Net, ""); err != nil {
		return nil, fmt.Errorf("--subnet %q: %w", gatewayCIDR, err)
	}
	if s.Capacity() > 64 {
		return nil, fmt.Errorf("subnet %s has %d addresses: the demo fills its pool, give it a /26 or smaller", s.Net, s.Capacity())
	}
	p := NewPool(dir, s)
	p.Name = "demo-" + demoSuffix()
	var u undo
	u.push("pool files "+p.Path()+" and its .lock", p.Remove)
	defer func() {
		u.finish(&err)
		if res != nil {
			res.Removed = u.removed
		}
	}()
	res = &IPAMResult{Subnet: s.Net.String(), Gateway: s.Gateway.String(), Capacity: s.Capacity(), StateFile: p.Path()}
	inUse := 0
	record := func(op, owner string, ip net.IP, err error) {
		st := IPAMStep{Op: op, Owner: owner}
		if ip != nil {
			st.Address = ip.String()
		}
		if err != nil {
			st.Error = err.Error()
		}
		st.InUse, st.Free = inUse, s.Capacity()-inUse
		res.Steps = append(res.Steps, st)
	}
	alloc := func(owner string) error {
		ip, err := p.Allocate(owner)
		if err == nil {
			inUse++
			record("allocate", owner, ip.IP, nil)
		}
		return err
	}
	for _, o := range []string{"web", "db", "cache"} {
		if err := alloc(o); err != nil {
			return res, err
		}
	}
	st, err := p.State()
	if err != nil {
		return res, err
	}
	var dbIP net.IP
	for a, al := range st.Allocated {
		if al.Owner == "db" {
			dbIP = net.ParseIP(a)
		}
	}
	if err := p.Release(dbIP); err != nil {
		return res, err
	}
	inUse--
	record("release", "db", dbIP, nil)
	if err := alloc("queue"); err != nil {
		return res, err
	}
	for i := 1; inUse < s.Capacity(); i++ {
		if err := alloc(fmt.Sprintf("worker-%d", i)); err != nil {
			return res, err
		}
	}
	b, err := os.ReadFile(p.Path())
	if err != nil {
		return res, err
	}
	res.State = string(b)
	_, ferr := p.Allocate("one-too-many")
	if !errors.Is(ferr, ErrPoolFull) {
		return res, fmt.Errorf("allocating from a full pool: got %v, want %v", ferr, ErrPoolFull)
	}
	record("allocate", "one-too-many", nil, ferr)
	return res, nil
}
