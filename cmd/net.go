package cmd

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/vitro-dev/vitro/engine"
	"github.com/vitro-dev/vitro/internal/table"
	"github.com/vitro-dev/vitro/netdemo"
)

func init() {
	register(func(root *cobra.Command, g *Globals) {
		n := &cobra.Command{
			Use:   "net",
			Short: "Networking: veth pairs, a bridge, an address pool, NAT and published ports",
			Long: `Demonstrations of container networking, done with netlink and nftables from Go
(no ip, iptables or nft binary runs; --trace prints what each call is in ip/nft
words). Each demo makes its own network namespaces, links and rules with names
of its own (vd<random>...), sends packets only between them or on loopback, and
removes everything when it ends, also on error and Ctrl-C.

'vitro net info' shows vitro's own bridge (config: bridge, bip), its subnet and
the addresses in use.`,
		}
		n.AddCommand(netVethCmd(), netBridgeCmd(), netIPAMCmd(g), netPublishCmd(), netInfoCmd(g))
		root.AddCommand(n)
	})
}

// pauseOption is --pause: the demo stops with everything in place, prints
// how to look at it from another terminal, and cleans up on Enter (or
// Ctrl-C).
func pauseOption(c *cobra.Command, pause bool) []netdemo.Option {
	if !pause {
		return nil
	}
	return []netdemo.Option{netdemo.WithPause(func(ctx context.Context, hints []string) {
		w := c.ErrOrStderr()
		fmt.Fprintln(w, "Paused with everything in place. From another terminal, as root:")
		for _, h := range hints {
			fmt.Fprintln(w, "  "+h)
		}
		fmt.Fprint(w, "Press Enter to clean up and print the results... ")
		done := make(chan struct{})
		go func() {
			bufio.NewReader(c.InOrStdin()).ReadString('\n')
			close(done)
		}()
		select {
		case <-done:
		case <-ctx.Done():
		}
		fmt.Fprintln(w)
	})}
}

const pauseHelp = "stop once everything is made, print commands to inspect it from another terminal, clean up on Enter"

func netVethCmd() *cobra.Command {
	var pause bool
	c := demoCmd(&cobra.Command{
		Use:   "veth",
		Short: "Two namespaces joined by a veth pair; ping across; ifindexes and ARP entries",
		Long: `Make two network namespaces, create a veth pair in the first and move one end to
the second, give the ends 10.99.0.1/24 and 10.99.0.2/24, and ping each from the
other with ICMP echo sent from Go. Then read back each end's ifindex and its
peer's (IFLA_LINK: each end names the other) and the ARP entries the pings made
each kernel learn. The host's namespace is never touched.`,
	}, func(c *cobra.Command) (*netdemo.VethResult, error) {
		return netdemo.VethDemo(c.Context(), pauseOption(c, pause)...)
	})
	c.Flags().BoolVar(&pause, "pause", false, pauseHelp)
	return c
}

func netBridgeCmd() *cobra.Command {
	var hosts int
	var pause bool
	c := demoCmd(&cobra.Command{
		Use:   "bridge",
		Short: "A bridge and N namespaces on it; an all-pairs ping matrix; the bridge's MAC table",
		Long: `Make a bridge on the host (no address: the host takes no part) and N network
namespaces, each connected by a veth pair whose host end is a port of the
bridge and whose other end is eth0 inside, exactly as 'vitro run' connects a
container. Give them 10.99.1.2, .3, ... and ping every namespace from every
other. Then read the bridge's forwarding database: the MAC of each eth0,
learnt on that namespace's port.`,
		Example: `  vitro net bridge
  vitro net bridge --hosts 4 --trace`,
	}, func(c *cobra.Command) (*netdemo.BridgeResult, error) {
		return netdemo.BridgeDemo(c.Context(), hosts, pauseOption(c, pause)...)
	})
	c.Flags().IntVar(&hosts, "hosts", 3, "how many namespaces to attach (2–16)")
	c.Flags().BoolVar(&pause, "pause", false, pauseHelp)
	return c
}

func netIPAMCmd(g *Globals) *cobra.Command {
	var subnet string
	c := demoCmd(&cobra.Command{
		Use:   "ipam",
		Short: "An address pool: allocate, release, reuse, and what happens when it is full",
		Long: `Run a small address pool the way the engine runs the bridge's: its state is a
JSON file under <data-root>/network, changed only under an flock(2) of a lock
file beside it, so concurrent vitro processes never get the same address.
Allocate three addresses, release the middle one, allocate again (the lowest
free address comes back), fill the pool and ask once more.

The pool's own files are removed at the end; the engine's pool is untouched.`,
		Example: `  vitro net ipam
  vitro net ipam --subnet 10.99.7.1/28`,
	}, func(c *cobra.Command) (*netdemo.IPAMResult, error) {
		return netdemo.IPAMDemo(engine.NetworkDir(g.Config.DataRoot), subnet)
	})
	c.Flags().StringVar(&subnet, "subnet", "10.99.0.1/29", "the pool's gateway address and prefix, as bip is written (at most 64 addresses)")
	return c
}

func netPublishCmd() *cobra.Command {
	var spec string
	var pause bool
	c := demoCmd(&cobra.Command{
		Use:   "publish",
		Short: "A server in a namespace, a published port, and requests from the host's loopback and another host",
		Long: `Build in small what 'vitro run -p HOST:CONTAINER' does: a bridge with a gateway
address (a free 10.99.x.1/24), a namespace on it with the next address and a
default route via the gateway, a tiny server inside on the container port, an
nftables table with masquerade for the subnet, and DNAT rules for the host
port in the prerouting (other hosts) and output (this host) chains. Then
connect to 127.0.0.1:HOST, and from a second namespace that plays another host
(linked to the host by a veth pair) to the host's address on that link, and
print the server's answers and the rules with their packet counters, which
show what carried each request.

The host's loopback reaches the port without a proxy process because
route_localnet is set on the bridge (see docs/networking.md).`,
		Example: `  vitro net publish                 # a free host port to container port 80
  vitro net publish -p 8080:80
  vitro net publish -p 127.0.0.1:5353:53/udp
  vitro net publish -p 8080:80 --pause   # then: busybox nc 127.0.0.1 8080`,
	}, func(c *cobra.Command) (*netdemo.PublishResult, error) {
		m, err := netdemo.ParsePortSpec(spec)
		if err != nil {
			return nil, fmt.Errorf("-p: %w", err)
		}
		return netdemo.PublishDemo(c.Context(), m, pauseOption(c, pause)...)
	})
	c.Flags().StringVarP(&spec, "publish", "p", "80", "port to publish: [IP:][HOST:]CONTAINER[/tcp|/udp]; no HOST means a free port")
	c.Flags().BoolVar(&pause, "pause", false, pauseHelp)
	return c
}

func netInfoCmd(g *Globals) *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "info",
		Short: "vitro's bridge, its subnet and the addresses in use",
		Long: `Show vitro's bridge (config key "bridge", default vitro0) and its subnet ("bip",
default 10.98.0.1/16) as the kernel has them, the addresses in use from the
address pool (<run-root>/network/BRIDGE.json) and from the bridge's ARP table, and the
NAT rules of the bridge's nft table (ip vitro0). Changes nothing: a bridge not yet created by
'vitro run' is reported as absent.

Template fields (--format '{{.subnet}}'), as --format json shows them: bridge,
bip, subnet, gateway, exists, ifindex, mac, state, addresses, ports, poolFile,
inUse, capacity, natTable, natRules, natError, routeClash.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			pool, err := engine.New(g.Config).Pool()
			if err != nil {
				return err
			}
			in, err := netdemo.NetInfo(g.Config.Bridge, g.Config.BIP, pool)
			if err != nil {
				return err
			}
			w := c.OutOrStdout()
			if !isTable(format) {
				return render(w, format, in, nil)
			}
			t := &Table{Header: []string{"item", "value"}}
			state := "absent (created by the first 'vitro run')"
			if in.Exists {
				state = fmt.Sprintf("%s, ifindex %d, mac %s", in.State, in.Ifindex, table.OrDash(in.MAC))
			}
			t.Append("Bridge", in.Bridge+": "+state)
			t.Append("Subnet (bip)", fmt.Sprintf("%s, gateway %s, %d addresses for containers", in.Subnet, in.Gateway, in.Capacity))
			if in.Exists {
				t.Append("Addresses on the bridge", table.OrDash(strings.Join(in.Addresses, " ")))
				t.Append("Ports", table.OrDash(strings.Join(in.Ports, " ")))
			}
			if in.RouteClash != "" {
				t.Append("Route clash", in.RouteClash)
			}
			t.Append("Pool state", in.PoolFile)
			nat := fmt.Sprintf("nft table ip %s: %d rules", in.NATTable, len(in.NATRules))
			if in.NATError != "" {
				nat = fmt.Sprintf("nft table ip %s: unreadable (%s)", in.NATTable, in.NATError)
			}
			t.Append("NAT", nat)
			if err := writeTable(w, t); err != nil {
				return err
			}
			containers := 0
			for _, a := range in.InUse {
				if a.Source != "gateway" {
					containers++
				}
			}
			fmt.Fprintf(w, "\nAddresses in use (%d of the %d for containers, and the gateway):\n", containers, in.Capacity)
			u := &Table{Header: []string{"address", "owner", "mac", "since", "seen in"}}
			for _, a := range in.InUse {
				u.Append(a.Address, table.OrDash(a.Owner), table.OrDash(a.MAC), table.OrDash(a.Since), a.Source)
			}
			if err := writeTable(w, u); err != nil {
				return err
			}
			if len(in.NATRules) > 0 {
				fmt.Fprintln(w)
				r := &Table{Header: []string{"chain", "handle", "rule", "packets"}}
				for _, x := range in.NATRules {
					r.Append(x.Chain, fmt.Sprint(x.Handle), x.Rule, fmt.Sprint(x.Packets))
				}
				return writeTable(w, r)
			}
			return nil
		},
	}
	addFormatFlag(c, &format)
	return c
}
