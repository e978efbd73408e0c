package netdemo

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/vitro-dev/vitro/internal/testenv"
)

func TestVethDemo(t *testing.T) {
	testenv.RequirePrivileged(t)
	res, err := VethDemo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// One ping each way, of three echo requests, all answered.
	if len(res.Pings) != 2 {
		t.Fatalf("%d pings, want one from each end: %+v", len(res.Pings), res.Pings)
	}
	if res.Pings[0].From == res.Pings[1].From {
		t.Errorf("both pings went from %s, want one from each end", res.Pings[0].From)
	}
	for _, p := range res.Pings {
		if p.Received != p.Sent || p.Sent != 3 {
			t.Errorf("ping %s → %s: %d/%d replies (%s)", p.From, p.To, p.Received, p.Sent, p.Error)
		}
	}
	if len(res.Ends) != 2 {
		t.Fatalf("ends: %+v", res.Ends)
	}
	a, b := res.Ends[0], res.Ends[1]
	if a.PeerIfindex != b.Ifindex || b.PeerIfindex != a.Ifindex {
		t.Errorf("peer indexes do not cross: a=%d (peer %d), b=%d (peer %d)", a.Ifindex, a.PeerIfindex, b.Ifindex, b.PeerIfindex)
	}
	if a.Inode == b.Inode || a.Inode == res.HostInode {
		t.Errorf("namespaces not distinct: a %d b %d host %d", a.Inode, b.Inode, res.HostInode)
	}
	// Each side learnt the other's MAC by ARP.
	for _, pair := range [][2]NSEnd{{a, b}, {b, a}} {
		found := false
		for _, n := range pair[0].Neighbours {
			if n.MAC == pair[1].MAC && n.IP+"/24" == pair[1].Address {
				found = true
			}
		}
		if !found {
			t.Errorf("%s did not learn %s's MAC %s: %+v", pair[0].NS, pair[1].NS, pair[1].MAC, pair[0].Neighbours)
		}
	}
	assertClean(t, nil, res.Ends[0].Inode, res.Ends[1].Inode)
}

// With WithPause, the objects exist while the hook runs, at the paths
// the hints give, and are gone afterwards.
func TestDemoPause(t *testing.T) {
	testenv.RequirePrivileged(t)
	var seen []string
	res, err := VethDemo(context.Background(), WithPause(func(_ context.Context, hints []string) {
		for _, h := range hints {
			path, ok := strings.CutPrefix(strings.Fields(h)[1], "--net=")
			if !ok {
				continue
			}
			target, err := os.Readlink(path)
			if err != nil {
				t.Errorf("hint %q: %v", h, err)
				continue
			}
			seen = append(seen, target)
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{fmt.Sprintf("net:[%d]", res.Ends[0].Inode), fmt.Sprintf("net:[%d]", res.Ends[1].Inode)}
	if len(seen) < 2 || seen[0] != want[0] || seen[1] != want[1] {
		t.Errorf("during the pause the hints' paths led to %v, want %v", seen, want)
	}
	assertClean(t, nil, res.Ends[0].Inode, res.Ends[1].Inode)
}
