package netdemo

import (
	"context"
	"strings"
	"testing"

	"github.com/vitro-dev/vitro/internal/testenv"
)

func TestBridgeDemo(t *testing.T) {
	testenv.RequirePrivileged(t)
	res, err := BridgeDemo(context.Background(), 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range res.Matrix {
		for j, p := range row {
			if i != j && !p.OK() {
				t.Errorf("%s → %s: no reply (%s)", res.Hosts[i], p.To, p.Error)
			}
		}
	}
	// The bridge learnt each namespace's eth0 MAC on that one's port.
	learnt := map[string]string{}
	for _, e := range res.FDB {
		if !e.Permanent {
			learnt[e.MAC] = e.Port
		}
	}
	for _, ep := range res.Endpoints {
		if learnt[ep.MAC] != ep.HostIf {
			t.Errorf("MAC %s of %s's eth0 learnt on port %q, want %s (fdb %+v)", ep.MAC, ep.HostIf, learnt[ep.MAC], ep.HostIf, res.FDB)
		}
		if ep.PeerIndex != ep.HostIndex {
			t.Errorf("eth0's peer index %d is not the host end's %d", ep.PeerIndex, ep.HostIndex)
		}
	}
	if _, err := BridgeDemo(context.Background(), 1); err == nil {
		t.Error("a bridge demo with 1 host ran")
	}
	names := []string{res.Bridge}
	var inodes []uint64
	for _, ep := range res.Endpoints {
		names = append(names, ep.HostIf)
		inodes = append(inodes, ep.NSInode)
	}
	assertClean(t, names, inodes...)
}

func TestDemoCancelledCleansUp(t *testing.T) {
	testenv.RequirePrivileged(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // as if Ctrl-C came right away
	res, err := BridgeDemo(ctx, 3)
	if err == nil {
		t.Fatal("a cancelled demo succeeded")
	}
	if len(res.Removed) == 0 {
		t.Errorf("nothing removed after cancel: %+v", res)
	}
	// Every name of this run starts like its bridge's.
	assertClean(t, []string{strings.TrimSuffix(res.Bridge, "-br") + "*"})
}
