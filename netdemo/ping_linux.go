package netdemo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"time"

	"github.com/vitro-dev/vitro/internal/trace"
	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
)

// PingResult is what Ping measured.
type PingResult struct {
	From     string        `json:"from"` // namespace label
	To       string        `json:"to"`   // address
	Sent     int           `json:"sent"`
	Received int           `json:"received"`
	RTT      time.Duration `json:"rttNs"` // of the first reply; 0 when none came
	Error    string        `json:"error,omitempty"`
}

// OK reports whether at least one reply came back.
func (r PingResult) OK() bool { return r.Received > 0 }

// Ping sends count ICMP echo requests from namespace ns to dst and counts
// the replies, waiting up to timeout for each. The kernel of the
// namespace that owns dst answers echo requests by itself; no program
// runs there.
//
// The raw ICMP socket is opened inside ns (NS.Do); after that, this
// goroutine uses it from whatever thread it runs on, since a socket keeps
// the namespace it was made in.
//
// Equivalent to: ip netns exec NS ping -c COUNT DST
func Ping(ctx context.Context, ns *NS, dst net.IP, count int, timeout time.Duration) (PingResult, error) {
	res := PingResult{From: ns.Label, To: dst.String()}
	var conn *icmp.PacketConn
	err := ns.Do(func() error {
		var err error
		conn, err = icmp.ListenPacket("ip4:icmp", "0.0.0.0")
		return err
	})
	if err != nil {
		return res, fmt.Errorf("raw ICMP socket in namespace %s: %w", ns.Label, err)
	}
	defer conn.Close()
	if trace.Enabled(trace.Steps) {
		trace.KernelEvent("socket", trace.Str("domain", "AF_INET"), trace.Str("type", "SOCK_RAW"), trace.Str("proto", "IPPROTO_ICMP"), trace.Str("netns", ns.Label))
		trace.Action("ping", trace.Str("from", ns.Label), trace.Str("to", dst.String()), trace.Int("count", int64(count)))
		trace.Shellf("%s ping -c %d %s", ns.shellExec(), count, dst)
	}
	// The ID tells our replies from any other ICMP the raw socket sees.
	id := int(rand.Uint32() & 0xffff)
	for seq := 1; seq <= count; seq++ {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		rtt, err := echo(ctx, conn, dst, id, seq, timeout)
		res.Sent++
		if err != nil {
			res.Error = err.Error()
			continue
		}
		if res.Received == 0 {
			res.RTT = rtt
		}
		res.Received++
	}
	return res, nil
}

// echo sends one echo request and waits for its reply.
func echo(ctx context.Context, conn *icmp.PacketConn, dst net.IP, id, seq int, timeout time.Duration) (time.Duration, error) {
	msg := icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{ID: id, Seq: seq, Data: []byte("vitro")}}
	b, err := msg.Marshal(nil)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	if _, err := conn.WriteTo(b, &net.IPAddr{IP: dst}); err != nil {
		return 0, fmt.Errorf("sending echo request to %s: %w", dst, err)
	}
	deadline := start.Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	conn.SetReadDeadline(deadline)
	buf := make([]byte, 1500)
	for {
		n, from, err := conn.ReadFrom(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, fmt.Errorf("no echo reply from %s within %s", dst, timeout)
		}
		if err != nil {
			return 0, fmt.Errorf("reading echo reply: %w", err)
		}
		rm, err := icmp.ParseMessage(1, buf[:n]) // 1: ICMPv4
		if err != nil || rm.Type != ipv4.ICMPTypeEchoReply {
			continue
		}
		e, ok := rm.Body.(*icmp.Echo)
		if !ok || e.ID != id || e.Seq != seq || from.String() != dst.String() {
			continue
		}
		return time.Since(start), nil
	}
}
