package cmd

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

// A read from a silent pipe ends when the command's context is cancelled
// (Ctrl-C), with an error that says so in words.
func TestInterruptibleReadEndsOnCancel(t *testing.T) {
	silent, w := io.Pipe() // nothing is ever written
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	r := interruptible(ctx, silent)
	done := make(chan error, 1)
	go func() { _, err := io.ReadAll(r); done <- err }()
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("read after cancel = %v, want context.Canceled", err)
	}
	if msg := interrupted(err, "nothing was loaded").Error(); msg != "interrupted: nothing was loaded" {
		t.Fatalf("interrupted(...) = %q", msg)
	}
}

func TestInterruptibleReadsEverything(t *testing.T) {
	data := strings.Repeat("layer bytes ", 10000)
	got, err := io.ReadAll(interruptible(context.Background(), strings.NewReader(data)))
	if err != nil || string(got) != data {
		t.Fatalf("read %d bytes, err %v; want %d bytes", len(got), err, len(data))
	}
	other := errors.New("disk full")
	if interrupted(other, "x") != other {
		t.Fatal("interrupted changed an error that is not a cancellation")
	}
}
