package netdemo

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/vitro-dev/vitro/internal/fsutil"
	"github.com/vitro-dev/vitro/internal/trace"
)

// Pool is an address pool (IPAM) for one subnet, kept in a JSON file so
// that every vitro process sees the same allocations:
//
//	<dir>/<name>.json   the state: which address belongs to whom
//	<dir>/<name>.lock   flock(2)ed for the whole read-modify-write
//
// The lock is on a separate file because the state file is replaced by
// rename on every write: a lock on the old inode would protect nothing.
// flock locks belong to the open file, so they work between processes
// and are released by the kernel if a process dies holding one.
type Pool struct {
	Subnet Subnet
	Dir    string
	Name   string // file name stem; by default the subnet, "10.98.0.0-16"
}

// PoolState is the content of the state file.
type PoolState struct {
	Subnet    string                `json:"subnet"`
	Gateway   string                `json:"gateway"`
	Allocated map[string]Allocation `json:"allocated"` // by address
	// Ports are the host ports published through the pool's bridge, by
	// "PROTO/HOSTIP:PORT" (see pool_ports_linux.go).
	Ports map[string]PortAllocation `json:"ports,omitempty"`
}

// Allocation records who holds an address and since when.
type Allocation struct {
	Owner string    `json:"owner"`
	Since time.Time `json:"since"`
}

// NewPool returns the pool of subnet s, stored in dir (normally
// <data-root>/network). Nothing is written until the first Allocate.
func NewPool(dir string, s Subnet) *Pool {
	name := strings.ReplaceAll(s.Net.String(), "/", "-")
	return &Pool{Subnet: s, Dir: dir, Name: name}
}

// Path is the state file.
func (p *Pool) Path() string { return filepath.Join(p.Dir, p.Name+".json") }

func (p *Pool) lockPath() string { return filepath.Join(p.Dir, p.Name+".lock") }

// locked runs fn with the pool's lock held and its state loaded; if fn
// returns write=true, the state is saved atomically (temporary file,
// fsync, rename) before unlocking.
//
// Shell equivalent: flock <dir>/<name>.lock sh -c 'read; change; write'
func (p *Pool) locked(fn func(st *PoolState) (write bool, err error)) error {
	l, err := fsutil.LockFile(p.lockPath())
	if err != nil {
		return fmt.Errorf("ipam: locking %s: %w", p.lockPath(), err)
	}
	defer l.Unlock()
	st, err := p.read()
	if err != nil {
		return err
	}
	write, err := fn(st)
	if err != nil || !write {
		return err
	}
	if err := fsutil.WriteJSONAtomic(p.Path(), st); err != nil {
		return fmt.Errorf("ipam: saving %s: %w", p.Path(), err)
	}
	return nil
}

func (p *Pool) read() (*PoolState, error) {
	st := &PoolState{Subnet: p.Subnet.Net.String(), Gateway: p.Subnet.Gateway.String(), Allocated: map[string]Allocation{}, Ports: map[string]PortAllocation{}}
	err := fsutil.ReadJSON(p.Path(), st)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ipam: state file is corrupt or unreadable (%v): remove it once no container is running", err)
	}
	if st.Subnet != p.Subnet.Net.String() {
		return nil, fmt.Errorf("ipam: state file %s is for subnet %s, not %s", p.Path(), st.Subnet, p.Subnet.Net)
	}
	if st.Allocated == nil {
		st.Allocated = map[string]Allocation{}
	}
	if st.Ports == nil {
		st.Ports = map[string]PortAllocation{}
	}
	return st, nil
}

// Allocate hands owner the lowest free address and returns it with the
// subnet's mask (ready for an interface). A full pool is ErrPoolFull.
func (p *Pool) Allocate(owner string) (*net.IPNet, error) {
	var ip net.IP
	err := p.locked(func(st *PoolState) (bool, error) {
		used := make(map[string]bool, len(st.Allocated))
		for a := range st.Allocated {
			used[a] = true
		}
		var ok bool
		if ip, ok = p.Subnet.lowestFree(used); !ok {
			return false, fmt.Errorf("%w: all %d addresses of %s are in use (gateway %s excluded): release one, or use a larger subnet",
				ErrPoolFull, p.Subnet.Capacity(), p.Subnet.Net, p.Subnet.Gateway)
		}
		st.Allocated[ip.String()] = Allocation{Owner: owner, Since: time.Now().UTC()}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	trace.Action("ipam allocate", trace.Str("address", ip.String()), trace.Str("owner", owner), trace.Str("subnet", p.Subnet.Net.String()), trace.Str("state", p.Path()))
	return &net.IPNet{IP: ip, Mask: p.Subnet.Net.Mask}, nil
}

// Release gives ip back to the pool.
func (p *Pool) Release(ip net.IP) error {
	var owner string
	err := p.locked(func(st *PoolState) (bool, error) {
		a, ok := st.Allocated[ip.String()]
		if !ok {
			return false, fmt.Errorf("ipam: release %s: %w in pool %s", ip, ErrNotAllocated, p.Subnet.Net)
		}
		owner = a.Owner
		delete(st.Allocated, ip.String())
		return true, nil
	})
	if err == nil {
		trace.Action("ipam release", trace.Str("address", ip.String()), trace.Str("owner", owner), trace.Str("state", p.Path()))
	}
	return err
}

// Reserve marks a given address as used, for addresses a user chose
// (like docker's --ip); it fails if the address is taken or outside the
// pool.
func (p *Pool) Reserve(ip net.IP, owner string) error {
	if !p.Subnet.inRange(ip) {
		return fmt.Errorf("ipam: %s is not an address containers can have in %s (network, broadcast and gateway %s are excluded)", ip, p.Subnet.Net, p.Subnet.Gateway)
	}
	return p.locked(func(st *PoolState) (bool, error) {
		if a, ok := st.Allocated[ip.String()]; ok {
			return false, fmt.Errorf("ipam: %s is already allocated to %s", ip, a.Owner)
		}
		st.Allocated[ip.String()] = Allocation{Owner: owner, Since: time.Now().UTC()}
		return true, nil
	})
}

// State reads the pool's state under the lock.
func (p *Pool) State() (*PoolState, error) {
	var out *PoolState
	err := p.locked(func(st *PoolState) (bool, error) { out = st; return false, nil })
	return out, err
}

// Addresses returns the allocated addresses in numeric order.
func (st *PoolState) Addresses() []string {
	var a []string
	for ip := range st.Allocated {
		a = append(a, ip)
	}
	sort.Slice(a, func(i, j int) bool {
		return ip4ToUint(net.ParseIP(a[i])) < ip4ToUint(net.ParseIP(a[j]))
	})
	return a
}

// Remove deletes the pool's files. Demos and tests use it for pools of
// their own; the engine's pool is never removed while containers exist.
func (p *Pool) Remove() error {
	var errs []error
	for _, f := range []string{p.Path(), p.lockPath()} {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
