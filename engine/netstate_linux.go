package engine

import (
	"fmt"
	"path/filepath"

	"github.com/vitro-dev/vitro/internal/fsutil"
	"github.com/vitro-dev/vitro/netdemo"
)

// The state of a bridge belongs to the bridge, not to a data root: two
// data roots whose containers share a wire must share one address pool
// and one table of published ports. It lives in the run root, named
// after the bridge:
//
//	<run-root>/network/<bridge>.json        addresses and ports, and who holds each
//	<run-root>/network/<bridge>.lock        flock'ed for each change of it
//	<run-root>/network/<bridge>.setup.lock  flock'ed while the bridge and its table are made
//
// and the bridge is marked with its run root (its alias, ClaimBridge),
// so that a vitro whose run root is elsewhere (and so its pool) is
// refused the bridge instead of handing out the same addresses.

func (e *Engine) networkDir() string { return filepath.Join(e.Config.ExecRoot, "network") }

// Pool is the bridge's address and port pool (`vitro net info` shows it).
func (e *Engine) Pool() (*netdemo.Pool, error) { return e.pool() }

// pool is the bridge's address and port pool. It checks nothing on the
// host: see addressPool for allocating.
func (e *Engine) pool() (*netdemo.Pool, error) {
	s, err := netdemo.ParseSubnet(e.Config.BIP)
	if err != nil {
		return nil, fmt.Errorf("bip %w", err)
	}
	p := netdemo.NewPool(e.networkDir(), s)
	p.Name = e.Config.Bridge
	return p, nil
}

// addressPool is the pool to allocate from, after checking that the
// subnet still overlaps no route of the host other than the bridge's.
func (e *Engine) addressPool() (*netdemo.Pool, error) {
	p, err := netdemo.BridgePool(e.networkDir(), e.Config.Bridge, e.Config.BIP)
	if err != nil {
		return nil, err
	}
	p.Name = e.Config.Bridge
	return p, nil
}

// bridgeOwner is what the bridge's alias says when this vitro owns it.
func (e *Engine) bridgeOwner() string { return "vitro run-root=" + e.Config.ExecRoot }

// lockBridgeSetup serialises making the bridge and its nftables table,
// so that concurrent runs do not race to create them.
func (e *Engine) lockBridgeSetup() (*fsutil.Lock, error) {
	return fsutil.LockFile(filepath.Join(e.networkDir(), e.Config.Bridge+".setup.lock"))
}

// ensureBridge makes (or finds) the bridge and claims it for this run
// root.
func (e *Engine) ensureBridge() (*netdemo.Bridge, error) {
	l, err := e.lockBridgeSetup()
	if err != nil {
		return nil, err
	}
	defer l.Unlock()
	br, err := netdemo.EnsureBridge(e.Config.Bridge, e.Config.BIP)
	if err != nil {
		return nil, err
	}
	if err := netdemo.ClaimBridge(br.Name, e.bridgeOwner()); err != nil {
		return nil, fmt.Errorf("%w: its address pool is in that run root; give this vitro another \"bridge\" and \"bip\" in its config, or the same \"exec-root\"", err)
	}
	return br, nil
}

// setupNAT makes (or finds) the bridge's table: masquerade and the
// loopback guard.
func (e *Engine) setupNAT(bridge string, subnet netdemo.Subnet) (*netdemo.NAT, error) {
	l, err := e.lockBridgeSetup()
	if err != nil {
		return nil, err
	}
	defer l.Unlock()
	return netdemo.SetupNAT(netdemo.BridgeTable(bridge), bridge, subnet.Net)
}
