package lessons

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/vitro-dev/vitro/internal/testenv"
)

// TestLessonsPlayEndToEnd plays every lesson with --no-pause, as a script
// would, and checks that every live step ran and kept its promises: each
// Evidence is judged against values read from the kernel while it ran.
func TestLessonsPlayEndToEnd(t *testing.T) {
	testenv.RequirePrivileged(t)
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	r, _ := NewRenderer(false, 80)
	for _, l := range all {
		t.Run(l.ID, func(t *testing.T) {
			var out strings.Builder
			p := &Player{Out: &out, Render: r, Student: testStudent(t, "")}
			res, err := p.Play(context.Background(), l, 1)
			if err != nil {
				t.Fatal(err)
			}
			text := out.String()
			if res.Failed > 0 || strings.Contains(text, "✗") {
				t.Fatalf("%d live step(s) failed:\n%s", res.Failed, text)
			}
			if res.Finished != len(l.Steps) || !strings.Contains(text, "complete.") {
				t.Errorf("finished %d of %d steps", res.Finished, len(l.Steps))
			}
			demos := 0
			for _, s := range l.Steps {
				for _, b := range s.Blocks {
					if b.Kind == DemoStep {
						demos++
						if !strings.Contains(text, "▶ live: "+b.Demo) {
							t.Errorf("live step %s not shown", b.Demo)
						}
					}
				}
			}
			if got := strings.Count(text, "What the kernel said:"); got != demos {
				t.Errorf("%d live steps reported evidence, want %d", got, demos)
			}
			if strings.Contains(text, "{{") || strings.Contains(text, "```") {
				t.Errorf("unrendered Markdown or template in the output")
			}
		})
	}
}

// TestRecordJSON checks --format json's transcript: live outputs in place,
// with their structured results.
func TestRecordJSON(t *testing.T) {
	testenv.RequirePrivileged(t)
	l, err := Find("why")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := Record(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Steps []struct {
			Blocks []struct {
				Kind     string
				Demo     string
				Result   map[string]any
				Evidence []Evidence
			}
		}
		Failed int
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range back.Steps {
		for _, bl := range s.Blocks {
			if bl.Demo == "proc.container" {
				found = true
				if bl.Result["insidePID"] != float64(1) || len(bl.Evidence) == 0 {
					t.Errorf("proc.container in JSON: %+v", bl)
				}
			}
		}
	}
	if !found || back.Failed != 0 {
		t.Errorf("found %v, failed %d", found, back.Failed)
	}
}
