package netdemo

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/testenv"
)

// What the container-like child sees of its own network once the parent
// said "go".
type childNet struct {
	Eth0Addrs []string `json:"eth0Addrs"`
	Eth0Up    bool     `json:"eth0Up"`
	LoUp      bool     `json:"loUp"`
	DefaultGw string   `json:"defaultGw"`
}

func init() {
	// A stand-in for a container's init: started in a new network
	// namespace, it waits while the parent wires its network (steps 4
	// and 5), then reports what it finds, from inside.
	reexec.Register("netdemo-test-container", func() {
		p, err := reexec.Child()
		if err != nil {
			os.Exit(3)
		}
		if err := p.Expect(reexec.MsgGo, nil); err != nil {
			os.Exit(4)
		}
		var r childNet
		if eth0, err := netlink.LinkByName("eth0"); err == nil {
			r.Eth0Up = eth0.Attrs().Flags&net.FlagUp != 0
			addrs, _ := netlink.AddrList(eth0, netlink.FAMILY_V4)
			for _, a := range addrs {
				r.Eth0Addrs = append(r.Eth0Addrs, a.IPNet.String())
			}
		}
		if lo, err := netlink.LinkByName("lo"); err == nil {
			r.LoUp = lo.Attrs().Flags&net.FlagUp != 0
		}
		routes, _ := netlink.RouteList(nil, netlink.FAMILY_V4)
		for _, rt := range routes {
			if rt.Dst == nil || rt.Dst.String() == "0.0.0.0/0" {
				r.DefaultGw = rt.Gw.String()
			}
		}
		p.Send(reexec.MsgReady, r)
	})
}

// The engine's steps 4 and 5 on a process in a new network namespace,
// found by its PID: bridge, veth, move and rename, address from the pool,
// default route.
func TestConnectProcessByPID(t *testing.T) {
	testenv.RequirePrivileged(t)
	br, hostIf := testenv.Name("vdtb"), testenv.Name("vdth")
	t.Cleanup(func() { assertClean(t, []string{br, hostIf}) })
	s, b, err := demoBridge(br)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { RemoveBridge(br) })
	if !b.Created || b.Gateway != s.Gateway.String() {
		t.Errorf("first EnsureBridge: %+v", b)
	}
	if again, err := EnsureBridge(br, s.GatewayCIDR().String()); err != nil || again.Created || again.Index != b.Index {
		t.Errorf("second EnsureBridge = %+v, %v; want the same bridge, not created", again, err)
	}
	poolDir := t.TempDir()
	pool, err := BridgePool(poolDir, br, s.GatewayCIDR().String())
	if err != nil {
		t.Fatalf("the bridge's own route must not count as a clash: %v", err)
	}

	child, err := reexec.Launch(context.Background(), reexec.Spec{Entry: "netdemo-test-container", CloneFlags: syscall.CLONE_NEWNET, Stderr: os.Stderr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { child.Close() })
	sync := child.Sync

	ns, err := OpenNS(child.Pid, "child")
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	if ns.Inode == HostNSInode() {
		t.Fatal("the child shares the host's network namespace")
	}
	ep, err := Connect(br, ns, hostIf, "eth0")
	if err != nil {
		t.Fatal(err)
	}
	defer Disconnect(hostIf)
	addr, err := pool.Allocate("child")
	if err != nil {
		t.Fatal(err)
	}
	if want := net.IP(append([]byte(nil), s.Gateway...)); addr.IP.Equal(want) {
		t.Fatalf("pool handed out the gateway %s", addr)
	}
	if err := ep.Configure(ns, addr, s.Gateway); err != nil {
		t.Fatal(err)
	}
	if err := sync.Send(reexec.MsgGo, nil); err != nil {
		t.Fatal(err)
	}
	var got childNet
	if err := sync.Expect(reexec.MsgReady, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Eth0Addrs) != 1 || got.Eth0Addrs[0] != addr.String() || !got.Eth0Up || !got.LoUp || got.DefaultGw != s.Gateway.String() {
		t.Errorf("inside the child: %+v; want eth0 up with %s, lo up, default via %s", got, addr, s.Gateway)
	}
	if ep.PeerIndex != ep.HostIndex {
		t.Errorf("eth0's peer is ifindex %d, the host end is %d", ep.PeerIndex, ep.HostIndex)
	}
	info, err := NetInfo(br, s.GatewayCIDR().String(), pool)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range info.InUse {
		if a.Address == addr.IP.String() && a.Owner == "child" {
			found = true
		}
	}
	if !info.Exists || len(info.Ports) != 1 || info.Ports[0] != hostIf || !found {
		t.Errorf("NetInfo = %+v; want the bridge, port %s and %s owned by child", info, hostIf, addr.IP)
	}
}

// A subnet that overlaps a route already on the host is refused before
// anything is made.
func TestBridgeRefusesOverlappingSubnet(t *testing.T) {
	testenv.RequirePrivileged(t)
	// Another link (a bridge: the dummy driver may be a missing module)
	// holds a /24 and so a host route.
	dummy, br := testenv.Name("vdto"), testenv.Name("vdtb")
	t.Cleanup(func() { assertClean(t, []string{dummy, br}) })
	s, _, err := demoBridge(dummy)
	t.Cleanup(func() { RemoveBridge(dummy) })
	if err != nil {
		t.Fatal(err)
	}
	// A /25 inside the dummy's /24.
	inside := &net.IPNet{IP: s.Gateway, Mask: net.CIDRMask(25, 32)}
	_, err = EnsureBridge(br, inside.String())
	if !errors.Is(err, ErrSubnetInUse) {
		t.Fatalf("EnsureBridge over %s's route: %v, want ErrSubnetInUse", dummy, err)
	}
	if !strings.Contains(err.Error(), inside.String()) || !strings.Contains(err.Error(), "on "+dummy) {
		t.Errorf("error %q does not name the value and the clashing route", err)
	}
	if _, lerr := netlink.LinkByName(br); lerr == nil {
		t.Errorf("bridge %s was created despite the clash", br)
	}
	if _, err := BridgePool(t.TempDir(), br, inside.String()); !errors.Is(err, ErrSubnetInUse) {
		t.Errorf("EnginePool over a host route: %v", err)
	}
}
