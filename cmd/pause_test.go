package cmd

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/vitro-dev/vitro/engine"
)

func TestPausePrompt(t *testing.T) {
	var out strings.Builder
	hook := pausePrompt(strings.NewReader("typed\n"), &out)
	if err := hook(context.Background(), engine.PausePoint{Step: 6, Of: 6, Name: "exec", InitPID: 4242}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"paused before step 6/6 (exec)", "host PID 4242", "ls -l /proc/4242/ns", "Press Enter"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("prompt lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	err := hook(context.Background(), engine.PausePoint{Step: 1, Of: 6, Name: "image", DataRoot: "/data"})
	if !errors.Is(err, io.EOF) || !strings.Contains(out.String(), "Nothing has been created yet") {
		t.Errorf("at step 1 with stdin at its end: err %v, want EOF; prompt:\n%s", err, out.String())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	pr, pw := io.Pipe()
	defer pw.Close()
	if err := pausePrompt(pr, io.Discard)(ctx, engine.PausePoint{Step: 3, Of: 6, Name: "rootfs"}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled wait: %v, want context.Canceled", err)
	}
}
