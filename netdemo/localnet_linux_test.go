package netdemo

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vitro-dev/vitro/internal/testenv"
	"golang.org/x/sys/unix"
)

// The CVE-2020-8558 attack on a bridge set up as `vitro run -p
// 127.0.0.1:…` leaves it (route_localnet=1, the NAT table): from a
// network namespace of the test's own on a test bridge, with CAP_NET_RAW,
// a raw Ethernet frame to the bridge's MAC carrying a UDP datagram for
// 127.0.0.1 must not reach a host listener bound to 127.0.0.1 only, and
// the guard rule must be what dropped it. Next to it, the legitimate
// case: a port published on 127.0.0.1 is still reachable from the host.
func TestLocalnetGuardDropsRawFrameToHostLoopback(t *testing.T) {
	testenv.RequirePrivileged(t)
	bridge, table := testenv.Name("vdlg"), testenv.Name("vdlgt")
	hostIf := testenv.Name("vdlgv")
	_, err := EnsureBridge(bridge, "10.99.93.1/24")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		DeleteNAT(table)
		RemoveBridge(bridge)
		if TableExists(table) {
			t.Errorf("table %s left", table)
		}
	})
	ns, err := NewNS("localnet-guard")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Close() })
	ep, err := Connect(bridge, ns, hostIf, "eth0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { Disconnect(hostIf) })
	if err := ep.Configure(ns, &net.IPNet{IP: net.ParseIP("10.99.93.2").To4(), Mask: net.CIDRMask(24, 32)}, net.ParseIP("10.99.93.1")); err != nil {
		t.Fatal(err)
	}
	// What publishing on 127.0.0.1 sets up (engine: run.publish).
	if err := SetRouteLocalnet(bridge); err != nil {
		t.Fatal(err)
	}
	_, subnet, _ := net.ParseCIDR("10.99.93.0/24")
	nat, err := SetupNAT(table, bridge, subnet)
	if err != nil {
		t.Fatal(err)
	}

	// The victim: a host service on 127.0.0.1 only.
	victim, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer victim.Close()
	port := uint16(victim.LocalAddr().(*net.UDPAddr).Port)

	// The attack: from inside the namespace, a frame written by hand.
	// The bridge's MAC now, not when it was made: a bridge takes the
	// lowest MAC of its ports unless one was set.
	bri, err := net.InterfaceByName(bridge)
	if err != nil {
		t.Fatal(err)
	}
	brMAC := bri.HardwareAddr
	waitForwarding(t, hostIf)
	myMAC, _ := net.ParseMAC(ep.MAC)
	frame := udpFrame(brMAC, myMAC, net.ParseIP("10.99.93.2"), net.ParseIP("127.0.0.1"), 40000, port, []byte("raw frame from a container"))
	if err := ns.Do(func() error { return sendRawFrame("eth0", frame) }); err != nil {
		t.Fatal(err)
	}
	victim.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 128)
	if n, from, err := victim.ReadFrom(buf); err == nil {
		t.Fatalf("a listener on the host's 127.0.0.1 received %q from %v, sent as a raw frame from a container's namespace", buf[:n], from)
	}
	if n := guardPackets(t, nat); n < 1 {
		t.Errorf("the loopback guard dropped %d packets, want the raw frame counted", n)
	}

	// The legitimate case: -p 127.0.0.1:HOSTPORT:80 still works.
	var ln net.Listener
	if err := ns.Do(func() (err error) { ln, err = net.Listen("tcp4", "10.99.93.2:80"); return err }); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("hello from the container\n"))
			c.Close()
		}
	}()
	m, _ := ParsePortSpec("127.0.0.1::80")
	pub, err := nat.Publish(m, net.ParseIP("10.99.93.2"))
	if err != nil {
		t.Fatal(err)
	}
	defer Unpublish(pub)
	c, err := net.DialTimeout("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(pub.Mapping.HostPort))), 5*time.Second)
	if err != nil {
		t.Fatalf("dialling the published 127.0.0.1:%d: %v", pub.Mapping.HostPort, err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(c)
	if err != nil || !strings.Contains(string(got), "hello from the container") {
		t.Errorf("through -p 127.0.0.1:%d:80: read %q, %v", pub.Mapping.HostPort, got, err)
	}
}

// waitForwarding waits until the bridge forwards the port's frames (its
// state goes from disabled to forwarding once the veth has carrier).
func waitForwarding(t *testing.T, port string) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if b, _ := os.ReadFile("/sys/class/net/" + port + "/brport/state"); strings.TrimSpace(string(b)) == "3" {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("bridge port %s never reached the forwarding state (3)", port)
}

// guardPackets reads the counter of the input chain's drop rule.
func guardPackets(t *testing.T, nat *NAT) uint64 {
	t.Helper()
	rs, err := nat.Rules()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.Chain == ChainInput && strings.Contains(r.Rule, "127.0.0.0/8") {
			return r.Packets
		}
	}
	t.Fatalf("no loopback guard in table ip %s: %+v", nat.Table, rs)
	return 0
}

// sendRawFrame writes frame to interface ifName with an AF_PACKET socket:
// what a process with CAP_NET_RAW can do, bypassing its own routing.
func sendRawFrame(ifName string, frame []byte) error {
	ifi, err := net.InterfaceByName(ifName)
	if err != nil {
		return err
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
	if err != nil {
		return os.NewSyscallError("socket(AF_PACKET)", err)
	}
	defer unix.Close(fd)
	sa := &unix.SockaddrLinklayer{Ifindex: ifi.Index, Protocol: htons(unix.ETH_P_IP), Halen: 6}
	copy(sa.Addr[:], frame[:6])
	if err := unix.Sendto(fd, frame, 0, sa); err != nil {
		return errors.Join(errors.New("sendto on "+ifName), err)
	}
	return nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// udpFrame builds Ethernet + IPv4 + UDP (checksum 0: none, allowed in IPv4).
func udpFrame(dst, src net.HardwareAddr, saddr, daddr net.IP, sport, dport uint16, payload []byte) []byte {
	f := make([]byte, 14+20+8+len(payload))
	copy(f[0:6], dst)
	copy(f[6:12], src)
	binary.BigEndian.PutUint16(f[12:], unix.ETH_P_IP)
	ip := f[14:34]
	ip[0] = 0x45 // version 4, header of 5 words
	binary.BigEndian.PutUint16(ip[2:], uint16(20+8+len(payload)))
	binary.BigEndian.PutUint16(ip[6:], 0x4000) // don't fragment
	ip[8], ip[9] = 64, unix.IPPROTO_UDP
	copy(ip[12:16], saddr.To4())
	copy(ip[16:20], daddr.To4())
	binary.BigEndian.PutUint16(ip[10:], ipChecksum(ip))
	udp := f[34:]
	binary.BigEndian.PutUint16(udp[0:], sport)
	binary.BigEndian.PutUint16(udp[2:], dport)
	binary.BigEndian.PutUint16(udp[4:], uint16(8+len(payload)))
	copy(udp[8:], payload)
	return f
}

func ipChecksum(h []byte) uint16 {
	var sum uint32
	for i := 0; i < len(h); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}
