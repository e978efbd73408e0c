package cmd

import (
	"context"
	"fmt"
	"io"

	"github.com/vitro-dev/vitro/engine"
)

// pausePrompt is the engine's --pause-at hook for the terminal: it says
// where the run stopped and what to look at from another terminal, then
// waits for Enter on in. Ctrl-C (the context) ends the wait.
func pausePrompt(in io.Reader, w io.Writer) func(context.Context, engine.PausePoint) error {
	return func(ctx context.Context, p engine.PausePoint) error {
		fmt.Fprintf(w, "\n⏸  paused before step %d/%d (%s).\n", p.Step, p.Of, p.Name)
		if pid := p.InitPID; pid != 0 {
			fmt.Fprintf(w, "   The container's init is host PID %d. From another terminal, try:\n", pid)
			fmt.Fprintf(w, "     ls -l /proc/%d/ns            # its namespaces vs: ls -l /proc/self/ns\n", pid)
			fmt.Fprintf(w, "     cat /proc/%d/cgroup          # the cgroup it was put in\n", pid)
			fmt.Fprintf(w, "     nsenter -t %d -m cat /proc/self/mountinfo   # its mount table\n", pid)
			fmt.Fprintf(w, "     nsenter -t %d -n ip addr     # its network\n", pid)
		} else {
			fmt.Fprintf(w, "   Nothing has been created yet. Watch: vitro images; ls %s\n", p.DataRoot)
		}
		fmt.Fprintf(w, "   Press Enter to continue. ")
		done := make(chan error, 1)
		go func() {
			var b [1]byte
			for {
				n, err := in.Read(b[:])
				if err != nil {
					done <- fmt.Errorf("--pause-at: reading Enter from stdin: %w", err)
					return
				}
				if n == 1 && b[0] == '\n' {
					done <- nil
					return
				}
			}
		}()
		select {
		case err := <-done:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
