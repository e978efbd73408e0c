package lessons

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/vishvananda/netns"
	"github.com/vitro-dev/vitro/netdemo"
	"golang.org/x/sys/unix"
)

// The published-port lab: a server in a namespace, and a DNAT rule the
// student writes with nft. The check reads the rule back from the kernel
// (nf_tables over netlink) and then connects through it, from the host to
// the lab's own namespace.

func natVars(e *LabEnv) (map[string]string, error) {
	v, err := netVars(e)
	if err != nil {
		return nil, err
	}
	n, _ := e.Student.Slice()
	p := e.Student.Prefix()
	if p == "" {
		p = "vlab-" // as netVars: never a bare name
	}
	table := "vitrolab"
	if e.Student.Name != "" {
		table += "_" + e.Student.Name
	}
	base := fmt.Sprintf("%s.%d.", labSubnetBase, n)
	for k, x := range map[string]string{"Web": p + "lab-web", "WebIf": p + "lab-w0",
		"HostCIDR": base + "33/28", "WebCIDR": base + "34/28", "HostIP": base + "33", "WebIP": base + "34",
		"Port": strconv.Itoa(18000 + n), "Table": table} {
		v[k] = x
	}
	return v, nil
}

func init() {
	registerLab(&Lab{
		ID: "net-publish", Title: "Publish a port with a DNAT rule", Lesson: "network",
		Vars: natVars,
		Setup: func(ctx context.Context, e *LabEnv) error {
			if err := checkSlice(ctx, e); err != nil {
				return err
			}
			if err := netnsCreate(e.Vars["Web"]); err != nil {
				return err
			}
			if err := cable(e.Vars["WebIf"], e.Vars["HostCIDR"], e.Vars["Web"], "eth0", e.Vars["WebCIDR"]); err != nil {
				return err
			}
			_, err := e.spawn(ctx, 0, "server", e.Vars["Web"], greeting(e))
			return err
		},
		Task: `A web server is running inside the network namespace **{{.Web}}**, at
{{.WebIP}} port 80 (` + "`ip netns exec {{.Web}} ss -tln`" + ` shows it). Publish it on the host:
with **nftables**, in a table of your own called **{{.Table}}**, add a DNAT rule so that
a connection from this host to **{{.HostIP}}:{{.Port}}** reaches {{.WebIP}}:80.

Done when ` + "`curl http://{{.HostIP}}:{{.Port}}/`" + ` answers. (docker does the same for ` + "`-p {{.Port}}:80`" + `.)`,
		Solution: `nft add table ip {{.Table}}
nft add chain ip {{.Table}} output '{ type nat hook output priority -100; }'
nft add rule ip {{.Table}} output ip daddr {{.HostIP}} tcp dport {{.Port}} counter dnat to {{.WebIP}}:80
curl http://{{.HostIP}}:{{.Port}}/
nft list table ip {{.Table}}      # the counter shows the rule at work`,
		Checks: []Check{
			{Name: "a DNAT rule sends {{.HostIP}}:{{.Port}} to {{.WebIP}}:80",
				Hint: "nft add table ip {{.Table}}; nft add chain ip {{.Table}} output '{ type nat hook output priority -100; }'; nft add rule ip {{.Table}} output ip daddr {{.HostIP}} tcp dport {{.Port}} dnat to {{.WebIP}}:80",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					r, err := e.findDNAT()
					if err != nil {
						return "", false, err
					}
					if r == nil {
						return "no such rule in any ip or inet table", false, nil
					}
					return fmt.Sprintf("table %s, chain %s", r.table, r.chain), true, nil
				}},
			{Name: "the rule sees packets this host sends (hook output)",
				Hint: "packets a host sends itself never pass prerouting: put the rule in a nat chain on the output hook (type nat hook output priority -100)",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					r, err := e.findDNAT()
					if err != nil || r == nil {
						return "no rule yet", false, err
					}
					return fmt.Sprintf("chain %s is on hook %s", r.chain, r.hook), r.hook == "output", nil
				}},
			{Name: "a connection to {{.HostIP}}:{{.Port}} gets the server's answer",
				Hint: "check the addresses and the port in your rule with nft list table ip {{.Table}}; the server answers on {{.WebIP}} port 80",
				Run: func(ctx context.Context, e *LabEnv) (string, bool, error) {
					got, err := fetch(ctx, net.JoinHostPort(e.Vars["HostIP"], e.Vars["Port"]))
					if err != nil {
						return err.Error(), false, nil
					}
					return "answered: " + firstOf(got), strings.Contains(got, greeting(e)), nil
				}},
		},
		Apply: func(_ context.Context, e *LabEnv) error { return e.addDNAT() },
		Teardown: func(_ context.Context, e *LabEnv) ([]string, error) {
			var out []string
			if netdemo.TableExists(e.Vars["Table"]) {
				if err := netdemo.DeleteNAT(e.Vars["Table"]); err != nil {
					return out, err
				}
				out = append(out, "nftables table ip "+e.Vars["Table"])
			}
			r, err := removeNet(e, []string{e.Vars["WebIf"]}, []string{e.Vars["Web"]})
			return append(out, r...), err
		},
		Residue: func(e *LabEnv) []string {
			left := netResidue(e, []string{e.Vars["WebIf"]}, []string{e.Vars["Web"]})
			if netdemo.TableExists(e.Vars["Table"]) {
				left = append(left, "nftables table ip "+e.Vars["Table"])
			}
			return left
		},
	})

	// server NETNS GREETING: answer every TCP connection on port 80 of the
	// named namespace with GREETING, as a tiny HTTP server.
	helpers["server"] = func(a []string) error {
		ln, err := listenIn(a[0], ":80")
		if err != nil {
			return err
		}
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() {
					defer c.Close()
					c.SetDeadline(time.Now().Add(5 * time.Second))
					c.Read(make([]byte, 1024))
					fmt.Fprintf(c, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n%s\n", a[1])
				}()
			}
		}()
		return nil
	}
}

func greeting(e *LabEnv) string {
	return "hello from the web server of lab net-publish (" + e.Student.Display() + ")"
}

// listenIn opens a listening socket inside a named network namespace: the
// socket is made on a thread that joined it, and keeps that namespace
// whatever thread uses it afterwards. The thread is retired.
func listenIn(ns, addr string) (net.Listener, error) {
	type res struct {
		l   net.Listener
		err error
	}
	ch := make(chan res, 1)
	go func() {
		runtime.LockOSThread()
		h, err := netns.GetFromName(ns)
		if err != nil {
			ch <- res{err: err}
			return
		}
		defer h.Close()
		if err := netns.Set(h); err != nil {
			ch <- res{err: err}
			return
		}
		l, err := net.Listen("tcp4", addr)
		ch <- res{l, err}
	}()
	r := <-ch
	if r.err != nil {
		return nil, fmt.Errorf("listening on %s in %s: %w", addr, ns, r.err)
	}
	return r.l, nil
}

// fetch sends an HTTP request and returns the answer.
//
// Shell equivalent: curl http://ADDR/
func fetch(ctx context.Context, addr string) (string, error) {
	d := net.Dialer{Timeout: 5 * time.Second}
	c, err := d.DialContext(ctx, "tcp4", addr)
	if err != nil {
		return "", fmt.Errorf("connecting to %s: %w", addr, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "GET / HTTP/1.0\r\n\r\n")
	b, err := io.ReadAll(c)
	if err != nil && len(b) == 0 {
		return "", fmt.Errorf("no answer from %s: %w", addr, err)
	}
	return string(b), nil
}

func firstOf(s string) string {
	_, body, ok := strings.Cut(s, "\r\n\r\n")
	if !ok {
		body = s
	}
	return strings.TrimSpace(body)
}

type foundRule struct{ table, chain, hook string }

// findDNAT looks through every ip and inet table for a rule that matches
// ip daddr HostIP, tcp dport Port and does dnat to WebIP:80. A rule is a
// program for the nf_tables VM: loads into registers, comparisons, and a
// nat expression that takes the address and port from registers.
func (e *LabEnv) findDNAT() (*foundRule, error) {
	c, err := nftables.New()
	if err != nil {
		return nil, fmt.Errorf("nftables netlink socket: %w", err)
	}
	chains, err := c.ListChains()
	if err != nil {
		return nil, fmt.Errorf("listing nftables chains: %w", err)
	}
	hostIP := net.ParseIP(e.Vars["HostIP"]).To4()
	webIP := net.ParseIP(e.Vars["WebIP"]).To4()
	port := binary.BigEndian.AppendUint16(nil, uint16(atoi(e.Vars["Port"])))
	for _, ch := range chains {
		if ch.Table.Family != nftables.TableFamilyIPv4 && ch.Table.Family != nftables.TableFamilyINet {
			continue
		}
		rules, err := c.GetRules(ch.Table, ch)
		if err != nil {
			continue
		}
		for _, r := range rules {
			if ruleDNATs(r.Exprs, hostIP, port, webIP, []byte{0, 80}) {
				return &foundRule{table: ch.Table.Name, chain: ch.Name, hook: hookName(ch.Hooknum)}, nil
			}
		}
	}
	return nil, nil
}

func ruleDNATs(exprs []expr.Any, daddr, dport, toIP, toPort []byte) bool {
	var lastPayload *expr.Payload
	imm := map[uint32][]byte{}
	sawDaddr, sawDport := false, false
	for _, x := range exprs {
		switch v := x.(type) {
		case *expr.Payload:
			lastPayload = v
		case *expr.Cmp:
			if lastPayload == nil || v.Op != expr.CmpOpEq {
				continue
			}
			if lastPayload.Base == expr.PayloadBaseNetworkHeader && lastPayload.Offset == 16 && bytes.Equal(v.Data, daddr) {
				sawDaddr = true
			}
			if lastPayload.Base == expr.PayloadBaseTransportHeader && lastPayload.Offset == 2 && bytes.Equal(v.Data, dport) {
				sawDport = true
			}
		case *expr.Immediate:
			imm[v.Register] = v.Data
		case *expr.NAT:
			if v.Type == expr.NATTypeDestNAT && sawDaddr && sawDport &&
				bytes.Equal(imm[v.RegAddrMin], toIP) && bytes.Equal(imm[v.RegProtoMin], toPort) {
				return true
			}
		}
	}
	return false
}

func hookName(h *nftables.ChainHook) string {
	if h == nil {
		return "none (a regular chain: jump to it from a base chain)"
	}
	switch *h {
	case *nftables.ChainHookPrerouting:
		return "prerouting"
	case *nftables.ChainHookOutput:
		return "output"
	case *nftables.ChainHookPostrouting:
		return "postrouting"
	case *nftables.ChainHookInput:
		return "input"
	case *nftables.ChainHookForward:
		return "forward"
	}
	return fmt.Sprint(*h)
}

// addDNAT is the documented solution, through netlink.
//
// Shell equivalent: see the lab's solution (nft add table/chain/rule)
func (e *LabEnv) addDNAT() error {
	c, err := nftables.New()
	if err != nil {
		return err
	}
	t := c.AddTable(&nftables.Table{Name: e.Vars["Table"], Family: nftables.TableFamilyIPv4})
	ch := c.AddChain(&nftables.Chain{Name: "output", Table: t, Type: nftables.ChainTypeNAT,
		Hooknum: nftables.ChainHookOutput, Priority: nftables.ChainPriorityNATDest})
	c.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: []expr.Any{
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 16, Len: 4},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: net.ParseIP(e.Vars["HostIP"]).To4()},
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{unix.IPPROTO_TCP}},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binary.BigEndian.AppendUint16(nil, uint16(atoi(e.Vars["Port"])))},
		&expr.Counter{},
		&expr.Immediate{Register: 1, Data: net.ParseIP(e.Vars["WebIP"]).To4()},
		&expr.Immediate{Register: 2, Data: []byte{0, 80}},
		&expr.NAT{Type: expr.NATTypeDestNAT, Family: unix.NFPROTO_IPV4, RegAddrMin: 1, RegProtoMin: 2, Specified: true},
	}})
	if err := c.Flush(); err != nil {
		return fmt.Errorf("nft add rule ip %s output ... dnat to %s:80: %w", e.Vars["Table"], e.Vars["WebIP"], err)
	}
	return nil
}
