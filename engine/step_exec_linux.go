package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/seccomp"
	"github.com/vitro-dev/vitro/internal/trace"
)

// exec is step 6: init drops to the container's user and capabilities
// and execs the program, which becomes PID 1 of the container. The sync
// socket is close-on-exec, so end-of-file on it means execve succeeded.
func (r *run) exec(ctx context.Context) error {
	c := r.c
	caps, err := ResolveCaps(r.o.CapAdd, r.o.CapDrop, r.o.Privileged)
	if err != nil {
		return err
	}
	sec, err := parseSecurityOpt(r.o.SecurityOpt)
	if err != nil {
		return err
	}
	filter, profile, err := seccompFilter(r.o, caps)
	if err != nil {
		return err
	}
	spec := execSpec{Argv: c.Config.Cmd, Env: c.Config.Env, Cwd: c.Config.WorkingDir, User: c.Config.User, Caps: caps, NoNewPrivs: sec.NoNewPrivs}
	if filter != nil {
		spec.Seccomp = seccomp.Encode(filter.Program)
	}
	traceSeccomp(filter, profile)
	trace.Action("exec", trace.Str("argv", strings.Join(spec.Argv, " ")), trace.Str("user", firstNonEmpty(spec.User, "0")),
		trace.Str("cwd", firstNonEmpty(spec.Cwd, "/")), trace.Int("capabilities", int64(len(caps))))
	if trace.Enabled(trace.Kernel) {
		trace.KernelEvent("capabilities", trace.Str("kept", strings.Join(caps, ",")))
	}
	if r.tty != nil {
		r.tty.start(r.stdio.In, r.stdio.Out, r.o.Interactive)
	}
	if err := r.sync.Send(msgExec, spec); err != nil {
		return err
	}
	err = r.expect("", nil)
	if !errors.Is(err, reexec.ErrClosed) {
		if err == nil {
			err = errors.New("container init sent a message after exec")
		}
		return err
	}
	r.sync.Close()
	c.State.Status, c.State.StartedAt = StatusRunning, time.Now().UTC()
	trace.Action("running", trace.Int("pid inside", 1), trace.Int("pid on host", int64(c.State.Pid)))
	return r.e.Containers.Save(c)
}

// wait waits for the program to end, forwarding a Ctrl-C or SIGTERM that
// vitro receives (and killing the container if it does not stop within
// ten seconds, as docker stop does). Then the container is stopped:
// its network, address and cgroup are released, and with --rm it is
// removed.
func (r *run) wait(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- r.init.Wait() }()
	var waitErr error
	select {
	case waitErr = <-done:
	case <-ctx.Done():
		// As docker stop: SIGTERM, then SIGKILL after a grace period. A
		// second Ctrl-C (or kill) does not wait.
		again := make(chan os.Signal, 1)
		signal.Notify(again, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
		defer signal.Stop(again)
		fmt.Fprintf(r.stdio.Err, "vitro: stopping %s: SIGTERM sent to its PID 1, SIGKILL in 10s if it has not ended (a PID 1 ignores signals it has no handler for). Ctrl-C again to kill it now.\n", r.c.Name)
		r.init.Signal(syscall.SIGTERM)
		select {
		case waitErr = <-done:
		case <-again:
			r.init.Kill()
			waitErr = <-done
		case <-time.After(10 * time.Second):
			r.init.Kill()
			waitErr = <-done
		}
	}
	if r.tty != nil {
		r.tty.wait()
		r.tty.close()
	}
	_ = waitErr
	st := exitStatus(r.init.ProcessState())
	c := r.c
	c.State.Status, c.State.Pid, c.State.ExitCode, c.State.FinishedAt = StatusExited, 0, st.Code, time.Now().UTC()
	// The owner stays until what it holds is released (stop, below): a
	// crash before then leaves the record to the next vitro to clean.
	trace.Action("exited", trace.Int("status", int64(st.Code)), trace.Str("signal", st.Signal))
	if c.Config.AutoRemove {
		// Delete first, record after: a program that filled the disk
		// leaves room for the writes that release its address.
		if err := r.e.Containers.RemoveFiles(c.ID); err != nil {
			fmt.Fprintf(r.stdio.Err, "vitro: removing %s's files: %v\n", c.Name, err)
		}
	}
	r.stop()
	// What stop released is no longer the container's (docker, too, shows
	// a stopped container without an address).
	c.Network = Network{Bridge: c.Network.Bridge, MacAddress: c.Network.MacAddress}
	c.Cgroup = ""
	c.State.Owner = nil
	// The program's status is the answer, whatever happens to the record
	// now (a full disk, say): vitro's own trouble is said on stderr.
	if c.Config.AutoRemove {
		r.undo = nil
		if err := r.e.removeRecord(c); err != nil {
			fmt.Fprintf(r.stdio.Err, "vitro: removing container %s: %v (vitro rm %s retries)\n", c.Name, err, c.Name)
		}
	} else if err := r.e.Containers.Save(c); err != nil {
		fmt.Fprintf(r.stdio.Err, "vitro: recording the exit of %s: %v\n", c.Name, err)
	}
	if st.Code != 0 {
		return st
	}
	return nil
}

// stop releases, newest first, what only a running container needs; the
// record and root filesystem stay until `vitro rm` (or --rm).
func (r *run) stop() {
	var keep []undoStep
	for i := len(r.undo) - 1; i >= 0; i-- {
		u := r.undo[i]
		if !u.runtime {
			keep = append([]undoStep{u}, keep...)
			continue
		}
		if err := u.fn(); err != nil {
			fmt.Fprintf(os.Stderr, "vitro: stopping: %s: %v\n", u.what, err)
			continue
		}
		trace.Action("released", trace.Str("what", u.what))
	}
	r.undo = keep
}

// exitStatus reads docker's status from how the process ended:
// its exit code, or 128 + the signal that killed it.
func exitStatus(ps *os.ProcessState) *ExitStatus {
	if ps == nil {
		return &ExitStatus{Code: ExitVitroError}
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return &ExitStatus{Code: 128 + int(ws.Signal()), Signal: ws.Signal().String()}
	}
	return &ExitStatus{Code: ps.ExitCode()}
}
