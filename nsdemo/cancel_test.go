package nsdemo

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// Ctrl-C arrives as a cancelled context: the child is killed, the demo
// returns context.Canceled, and what it made on the host is gone.
func TestCancelledDemoCleansUp(t *testing.T) {
	requireRoot(t)
	ctx, cancel := context.WithCancel(testCtx(t))
	var target string
	var pid int
	_, err := Mnt(ctx, Options{Ready: func(o Outcome) error {
		r := o.(*MntResult)
		target, pid = r.Target, r.ChildPID
		cancel()
		// Wait until the kill has landed (the child is a zombie until
		// the demo reaps it), so the demo cannot finish normally first.
		for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if stat := readString("/proc/" + itoa(pid) + "/stat"); stat == "" || strings.Contains(stat, ") Z ") {
				break
			}
		}
		return nil
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	processGone(t, pid)
	if _, err := os.Stat(target); !os.IsNotExist(err) {
		t.Errorf("mount point %s left behind: %v", target, err)
	}
}

func TestCancelledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := UTS(ctx, Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
}

func TestRunUnknownType(t *testing.T) {
	if _, err := Run(t.Context(), "bogus", Options{}); !errors.Is(err, ErrUnknownType) {
		t.Fatalf("error = %v, want ErrUnknownType", err)
	}
}
