package netdemo

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/vitro-dev/vitro/internal/fsutil"
	"github.com/vitro-dev/vitro/internal/trace"
)

// Request is one request made from the host to a published port.
type Request struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Reply string `json:"reply"`
}

// PublishResult is what PublishDemo saw.
type PublishResult struct {
	Bridge        Bridge     `json:"bridge"`
	Endpoint      Endpoint   `json:"endpoint"`
	Server        string     `json:"server"`
	Published     Published  `json:"published"`
	RouteLocalnet string     `json:"routeLocalnet"` // read back from /proc/sys
	Requests      []Request  `json:"requests"`
	Rules         []RuleInfo `json:"rules"` // read after the requests: the counters show which rules carried them
	Removed       []string   `json:"removed"`
}

// PublishDemo builds, in small, what `vitro run -p HOST:CONTAINER` does:
// a bridge with a gateway address, a namespace connected to it with an
// address from the bridge's subnet, a server inside listening on the
// container port, NAT rules for the bridge, and the published port. It
// then makes a request to the host port from the host's loopback and,
// unless the mapping names a host address, one from a namespace playing
// another host (remoteClient), and returns the server's answers and the
// rules with their counters. All of it is removed before it returns, also
// on error or cancellation.
func PublishDemo(ctx context.Context, m PortMapping, opts ...Option) (res *PublishResult, err error) {
	sfx := demoSuffix()
	var u undo
	defer func() {
		u.finish(&err)
		if res != nil {
			res.Removed = u.removed
		}
	}()
	res = &PublishResult{}
	name := Prefix + sfx + "-br"
	subnet, br, err := demoBridge(name)
	if err != nil {
		return res, err
	}
	u.push("bridge "+name, func() error { return RemoveBridge(name) })
	res.Bridge = *br
	if err := SetRouteLocalnet(name); err != nil {
		return res, err
	}
	res.RouteLocalnet = readSysctl("/proc/sys/net/ipv4/conf/" + name + "/route_localnet")
	table := Prefix + sfx
	nat, err := SetupNAT(table, name, subnet.Net)
	if err != nil {
		DeleteNAT(table) // the table may exist without its rules
		return res, err
	}
	u.push("nft table ip "+table, func() error { return DeleteNAT(table) })

	ns, err := NewNS(Prefix + sfx + "-c")
	if err != nil {
		return res, err
	}
	u.push("netns "+ns.Label, ns.Close)
	hostIf := Prefix + sfx + "h"
	ep, err := Connect(name, ns, hostIf, "eth0")
	if err != nil {
		return res, err
	}
	u.push("veth "+hostIf, func() error { return Disconnect(hostIf) })
	cip := &net.IPNet{IP: uintToIP4(ip4ToUint(subnet.Gateway) + 1), Mask: subnet.Net.Mask}
	if err := ep.Configure(ns, cip, subnet.Gateway); err != nil {
		return res, err
	}
	res.Endpoint = *ep

	stop, err := serveInNS(ns, m, cip.IP)
	if err != nil {
		return res, err
	}
	u.push("server in "+ns.Label, stop)
	res.Server = fmt.Sprintf("%s:%d/%s in netns %s (inode %d)", cip.IP, m.ContainerPort, m.Proto, ns.Label, ns.Inode)

	pub, err := nat.Publish(m, cip.IP)
	if err != nil {
		return res, err
	}
	u.push("published port "+pub.Mapping.String(), func() error { return Unpublish(pub) })
	res.Published = *pub

	host := "127.0.0.1"
	if pub.Mapping.HostIP != "" {
		host = pub.Mapping.HostIP
	}
	req, err := request(ctx, nil, m.Proto, net.JoinHostPort(host, strconv.Itoa(int(pub.Mapping.HostPort))))
	if err != nil {
		return res, err
	}
	res.Requests = append(res.Requests, req)
	if pub.Mapping.HostIP == "" {
		// The same port, reached from "another host": a namespace linked
		// to the host, asking for the host's address on that link.
		client, hostAddr, err := remoteClient(&u, sfx, name)
		if err != nil {
			return res, err
		}
		req, err := request(ctx, client, m.Proto, net.JoinHostPort(hostAddr.String(), strconv.Itoa(int(pub.Mapping.HostPort))))
		if err != nil {
			return res, err
		}
		res.Requests = append(res.Requests, req)
	}
	if res.Rules, err = nat.Rules(); err != nil {
		return res, err
	}
	applyOptions(opts).pauseNow(ctx, []string{
		"nft -a list table ip " + table,
		ncHint(m.Proto, res.Requests[0].To),
		"nsenter --net=" + ns.Path() + " ss -ltnu   # the server, in " + ns.Label,
		"conntrack -L -p " + m.Proto + " --dport " + strconv.Itoa(int(pub.Mapping.HostPort)) + "   # if conntrack-tools is installed",
	})
	return res, nil
}

// demoBridge creates bridge name with the gateway address of a free /24
// of 10.99.0.0/16. Choosing a subnet no route overlaps and then taking it
// (adding the address adds the route) must not interleave with another
// process doing the same, or both would take the same subnet: a lock
// file in the temporary directory makes the pair atomic for every vitro
// demo and test on the host.
func demoBridge(name string) (Subnet, *Bridge, error) {
	var br *Bridge
	s, err := claimSubnet(func(s Subnet) (err error) {
		br, err = EnsureBridge(name, s.GatewayCIDR().String())
		return err
	})
	return s, br, err
}

// claimSubnet picks a free demo subnet and runs take, which must make
// the subnet's route (by adding an address), under the lock.
func claimSubnet(take func(Subnet) error) (Subnet, error) {
	lock, err := fsutil.LockFile(filepath.Join(os.TempDir(), "vitro-netdemo-subnets.lock"))
	if err != nil {
		return Subnet{}, fmt.Errorf("locking the demo subnets: %w", err)
	}
	defer lock.Unlock()
	s, err := pickDemoSubnet()
	if err != nil {
		return s, err
	}
	return s, take(s)
}

// pickDemoSubnet chooses a /24 of 10.99.0.0/16 that no host route
// overlaps, starting at a random one so that two demos rarely meet.
func pickDemoSubnet() (Subnet, error) {
	routes, err := HostLinks().Routes()
	if err != nil {
		return Subnet{}, err
	}
	start := 100 + rand.IntN(150)
	for i := 0; i < 150; i++ {
		x := 100 + (start-100+i)%150
		s, _ := ParseSubnet(fmt.Sprintf("10.99.%d.1/24", x))
		if CheckOverlap(s.Net, routes, "") == nil {
			return s, nil
		}
	}
	return Subnet{}, fmt.Errorf("%w: every 10.99.100-249.0/24 is routed on this host", ErrSubnetInUse)
}

// serveInNS starts a tiny server inside ns on the container port: it
// answers each TCP connection (or UDP datagram) with one line saying
// where it runs and whom it sees. The listening socket is made inside
// the namespace; the goroutines serving it run anywhere.
func serveInNS(ns *NS, m PortMapping, ip net.IP) (stop func() error, err error) {
	addr := ":" + strconv.Itoa(int(m.ContainerPort))
	local := net.JoinHostPort(ip.String(), strconv.Itoa(int(m.ContainerPort)))
	greet := func(remote net.Addr) string {
		return fmt.Sprintf("hello from netns %s (inode %d): I am %s, you are %s\n", ns.Label, ns.Inode, local, remote)
	}
	if m.Proto == "udp" {
		var pc net.PacketConn
		if err := ns.Do(func() (err error) { pc, err = net.ListenPacket("udp4", addr); return }); err != nil {
			return nil, fmt.Errorf("server in %s on %s/udp: %w", ns.Label, addr, err)
		}
		trace.Action("listen", trace.Str("netns", ns.Label), trace.Str("addr", "0.0.0.0"+addr), trace.Str("proto", "udp"))
		trace.Shell(ns.shellExec() + " nc -luk -p " + addr[1:])
		go func() {
			buf := make([]byte, 512)
			for {
				_, from, err := pc.ReadFrom(buf)
				if err != nil {
					return
				}
				pc.WriteTo([]byte(greet(from)), from)
			}
		}()
		return pc.Close, nil
	}
	var l net.Listener
	if err := ns.Do(func() (err error) { l, err = net.Listen("tcp4", addr); return }); err != nil {
		return nil, fmt.Errorf("server in %s on %s/tcp: %w", ns.Label, addr, err)
	}
	trace.Action("listen", trace.Str("netns", ns.Label), trace.Str("addr", "0.0.0.0"+addr), trace.Str("proto", "tcp"))
	trace.Shell(ns.shellExec() + " nc -lk -p " + addr[1:])
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Write([]byte(greet(c.RemoteAddr())))
			c.Close()
		}
	}()
	return l.Close, nil
}

// request connects to addr and reads the one-line answer: from the host
// (this process's namespace) when from is nil, else from inside from.
func request(ctx context.Context, from *NS, proto, addr string) (Request, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var d net.Dialer
	var c net.Conn
	dial := func() (err error) { c, err = d.DialContext(ctx, proto+"4", addr); return }
	var err error
	if from == nil {
		err = dial()
	} else {
		err = from.Do(dial)
	}
	if err != nil {
		return Request{}, fmt.Errorf("request to published port %s/%s: %w", addr, proto, err)
	}
	defer c.Close()
	dl, _ := ctx.Deadline()
	c.SetDeadline(dl)
	if proto == "udp" {
		if _, err := c.Write([]byte("hello?\n")); err != nil {
			return Request{}, fmt.Errorf("request to published port %s/udp: %w", addr, err)
		}
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return Request{}, fmt.Errorf("reading the answer from published port %s/%s: %w", addr, proto, err)
	}
	r := Request{From: c.LocalAddr().String(), To: addr, Reply: strings.TrimSpace(line)}
	if from != nil {
		r.From += " in netns " + from.Label
	}
	return r, nil
}

func readSysctl(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "unreadable: " + err.Error()
	}
	return strings.TrimSpace(string(b))
}

// ncHint is a command that makes the same request by hand.
func ncHint(proto, addr string) string {
	hostPort := strings.Replace(addr, ":", " ", 1)
	if proto == "udp" {
		return "echo hi | busybox nc -u -w1 " + hostPort
	}
	return "busybox nc " + hostPort
}
