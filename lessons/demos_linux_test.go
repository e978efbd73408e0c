package lessons

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/vitro-dev/vitro/internal/testenv"
)

// TestDemosKeepPromises runs every registered live demo and checks that
// what the kernel said matches each promise, and that the text a student
// reads shows the observed values.
func TestDemosKeepPromises(t *testing.T) {
	testenv.RequirePrivileged(t)
	for _, name := range DemoNames() {
		t.Run(name, func(t *testing.T) {
			r, err := RunDemo(context.Background(), Block{Kind: DemoStep, Demo: name})
			if err != nil {
				t.Fatal(err)
			}
			var sb strings.Builder
			if err := r.WriteText(&sb); err != nil {
				t.Fatal(err)
			}
			ev := r.Evidence()
			if len(ev) == 0 {
				t.Fatal("the demo promises nothing")
			}
			for _, e := range ev {
				if !e.OK {
					t.Errorf("broken promise %q: %s", e.Claim, e.Observed)
				}
			}
			if sb.Len() < 40 {
				t.Errorf("text too short: %q", sb.String())
			}
			if _, err := json.Marshal(r); err != nil {
				t.Errorf("result does not marshal: %v", err)
			}
		})
	}
}
