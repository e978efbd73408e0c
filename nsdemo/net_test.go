package nsdemo

import "testing"

func TestNet(t *testing.T) {
	requireRoot(t)
	r, err := Net(testCtx(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.InsideLinks) != 1 || r.InsideLinks[0].Name != "lo" || r.InsideLinks[0].Up {
		t.Errorf("inside at start = %+v, want only lo, down", r.InsideLinks)
	}
	if len(r.InsideLinksAfter) != 1 || !r.InsideLinksAfter[0].Up {
		t.Errorf("inside after lo up = %+v, want lo up", r.InsideLinksAfter)
	}
	for _, l := range r.HostLinks {
		if l.Name != "lo" {
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
