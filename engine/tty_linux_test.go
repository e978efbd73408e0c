package engine

import (
	"bufio"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// TestRunInteractiveTTY drives `run -it busybox sh` through a real
// pseudo-terminal, as a person at a terminal would: type a command, read
// its output, exit.
func TestRunInteractiveTTY(t *testing.T) {
	e := testEngine(t)
	master, slave, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	defer slave.Close()
	done := make(chan error, 1)
	go func() {
		done <- e.Run(context.Background(), RunOptions{Image: "busybox", Remove: true, Interactive: true, Tty: true, Cmd: []string{"sh"}},
			Stdio{In: slave, Out: slave, Err: slave})
	}()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(master)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	master.Write([]byte("echo tty=$(tty) sum=$((40+2))\n"))
	deadline := time.After(20 * time.Second)
	found := false
	for !found {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("terminal closed before the answer")
			}
			if strings.Contains(l, "sum=42") && strings.Contains(l, "tty=/dev/pts/0") {
				found = true
			}
		case <-deadline:
			t.Fatal("no answer from the container's shell within 20s")
		}
	}
	master.Write([]byte("exit 5\n"))
	select {
	case err := <-done:
		if exitCodeOf(err) != 5 {
			t.Errorf("exit status %d (%v), want 5", exitCodeOf(err), err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the container did not end after exit")
	}
	assertNothingLeft(t, e)
}
