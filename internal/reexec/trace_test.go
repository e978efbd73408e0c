package reexec_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/trace"
)

func init() {
	reexec.Register("test-trace", func() {
		p, err := reexec.Child()
		if err != nil {
			os.Exit(3)
		}
		trace.Action("inside the child", trace.Str("pid", "self"))
		trace.KernelEvent("below the level") // the parent traces steps only
		p.Send(reexec.MsgReady, nil)
	})
}

// TestChildTraceReachesParent: a child's events arrive in the parent's
// trace, at the parent's level, without the parent's protocol seeing them.
func TestChildTraceReachesParent(t *testing.T) {
	var buf bytes.Buffer
	old := trace.SetDefault(trace.New(trace.Steps, trace.NewSink(trace.FormatJSON, &buf)))
	defer trace.SetDefault(old)
	c, err := reexec.Launch(context.Background(), reexec.Spec{Entry: "test-trace"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Sync.Expect(reexec.MsgReady, nil); err != nil {
		t.Fatalf("the protocol saw something other than ready: %v", err)
	}
	c.Wait()
	out := buf.String()
	if !strings.Contains(out, `"name":"inside the child"`) {
		t.Errorf("the child's action is not in the parent's trace:\n%s", out)
	}
	if strings.Contains(out, "below the level") {
		t.Errorf("a kernel-level event crossed at level steps:\n%s", out)
	}
}
