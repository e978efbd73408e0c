package nsdemo

import "testing"

func TestNet(t *testing.T) {
	requireRoot(t)
	r, err := Net(testCtx(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.InsideLinks) < 1 || r.InsideLinks[0].Name != "lo" || r.InsideLinks[0].Up {
		t.Errorf("inside at start = %+v, want lo first, down", r.InsideLinks)
	}
	// Besides lo, only the per-namespace fallback devices of tunnel
	// drivers may exist, and they are down.
	for _, l := range r.InsideLinks[1:] {
		if !fallbackTunnel[l.Type] || l.Up {
			t.Errorf("unexpected link inside a new network namespace: %+v", l)
		}
	}
	if len(r.InsideLinksAfter) < 1 || r.InsideLinksAfter[0].Name != "lo" || !r.InsideLinksAfter[0].Up {
		t.Errorf("inside after lo up = %+v, want lo up", r.InsideLinksAfter)
	}
	for _, l := range r.HostLinks {
		if l.Name != "lo" && !fallbackTunnel[l.Type] {
			for _, in := range r.InsideLinksAfter {
				if in.Name == l.Name {
					t.Errorf("host interface %s visible inside", l.Name)
				}
			}
		}
	}
	if a, b := r.HostLoopback, r.HostLoopbackAfter; a.Index != b.Index || a.Up != b.Up || !a.Up {
		t.Errorf("host lo changed: %+v → %+v", r.HostLoopback, r.HostLoopbackAfter)
	}
	onlyDiffers(t, &r.Result, "net")
	processGone(t, r.ChildPID)
}

// fallbackTunnel lists the kinds whose drivers create a device in every
// network namespace.
var fallbackTunnel = map[string]bool{
	"ipip": true, "sit": true, "gre": true, "gretap": true, "erspan": true, "vti": true,
	"ip6tnl": true, "ip6gre": true, "ip6gretap": true, "ip6erspan": true, "vti6": true,
}
