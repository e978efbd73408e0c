package nsdemo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"

	"github.com/vitro-dev/vitro/internal/nsenter"
	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/trace"
)

// Every demo runs the same exchange with its child over the reexec sync
// socket (see internal/reexec for the first half):
//
//	parent (vitro)                          child (nsdemo-<type>, new namespace)
//	──────────────                          ────────────────────────────────────
//	clone(CLONE_NEW<TYPE>) ───────────────▶ waits for "go"
//	prepare: uid_map, cgroup.procs ...
//	"go" {parameters} ────────────────────▶ makes the namespace's change
//	                  ◀──────────────────── "ready" {actions, inside view}
//	read the host view, the inode table;
//	Options.Ready(result)
//	"done" or "exec" {argv} ──────────────▶ tidies up what must not outlive it
//	                  ◀──────────────────── "bye" {last evidence}
//	                                        exit 0, or execve(argv): the sync fd
//	wait ◀──────────────────── EOF ──────── is close-on-exec, so EOF = exec worked

const (
	msgDone     = "done"
	msgExec     = "exec"
	msgBye      = "bye"
	msgExecFail = "execfail"
)

type readyMsg struct {
	Actions []Action        `json:"actions"`
	View    json.RawMessage `json:"view"`
}

type execFail struct {
	Msg  string `json:"msg"`
	Code int    `json:"code"`
}

// session is the parent's side of one demo.
type session struct {
	ctx     context.Context
	typ     Type
	opts    Options
	res     *Result
	cmd     *exec.Cmd
	pipe    *reexec.Pipe
	undo    []func()
	unwatch func() bool
	waited  bool
	release chan struct{}     // closed once the child is reaped: frees the thread that forked it
	hostNS  map[string]uint64 // the namespaces of the thread that forked the child
}

// start re-executes vitro as the demo's child with cloneFlags (exactly one
// namespace flag, or none for the demos whose child unshares itself). The
// child is blocked on the sync socket when start returns.
func start(ctx context.Context, typ string, cloneFlags uintptr, res *Result, opts Options, attrs ...func(*syscall.SysProcAttr)) (*session, error) {
	t, _ := Lookup(typ)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s := &session{ctx: ctx, typ: t, opts: opts, res: res}
	res.Type, res.Flag = t.Name, t.CloneFlag
	s.cmd = reexec.Command("nsdemo-" + typ)
	// Pdeathsig: if vitro dies, the kernel kills the demo process too, so
	// no namespace outlives the command.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: cloneFlags, Pdeathsig: syscall.SIGKILL}
	for _, f := range attrs {
		f(s.cmd.SysProcAttr)
	}
	s.cmd.Stderr = os.Stderr
	if len(opts.Argv) > 0 {
		s.cmd.Stdin, s.cmd.Stdout, s.cmd.Stderr = opts.Stdin, opts.Stdout, opts.Stderr
	}
	pipe, childEnd, err := reexec.NewPair(s.cmd)
	if err != nil {
		return nil, err
	}
	s.pipe = pipe
	s.release = make(chan struct{})
	s.hostNS, err = startPinned(s.cmd, s.release)
	childEnd.Close()
	if err != nil {
		pipe.Close()
		return nil, fmt.Errorf("clone(%s): %w", flagName(cloneFlags, t), err)
	}
	res.ChildPID = s.cmd.Process.Pid
	s.did("clone", fmt.Sprintf("flags=%s → host PID %d", flagName(cloneFlags, t), res.ChildPID))
	// Ctrl-C: kill the child; the blocked Receive then sees EOF.
	s.unwatch = context.AfterFunc(ctx, func() { s.cmd.Process.Kill() })
	return s, nil
}

// startPinned starts cmd from an OS thread locked until release closes.
// The kernel sends Pdeathsig when the *thread* that forked the child
// exits, not the process; and the Go runtime ends a thread whenever a
// goroutine that locked it returns without unlocking (the usual way to
// throw away a thread that joined another namespace). Left unpinned, the
// demo child could be killed by whatever code next discards the thread it
// was forked from.
//
// It also returns that thread's namespace inodes: exactly what the child
// inherited, and so the right "host" column for the inode table. (The
// process's own /proc/<pid>/ns shows its main thread, which other code
// may have moved, or left stranded, in another namespace.)
func startPinned(cmd *exec.Cmd, release <-chan struct{}) (map[string]uint64, error) {
	type started struct {
		ns  map[string]uint64
		err error
	}
	c := make(chan started, 1)
	go func() {
		runtime.LockOSThread()
		ns, err := inodesAt("/proc/thread-self")
		if err == nil {
			err = cmd.Start()
		}
		c <- started{ns, err}
		if err == nil {
			<-release
		}
		runtime.UnlockOSThread()
	}()
	r := <-c
	return r.ns, r.err
}

func flagName(flags uintptr, t Type) string {
	if flags == 0 {
		return "0 (the child unshares " + t.CloneFlag + " itself)"
	}
	return t.CloneFlag
}

// did records a parent action and traces it.
func (s *session) did(call, detail string) {
	s.res.Actions = append(s.res.Actions, Action{By: "parent", Call: call, Detail: detail})
	trace.Action(call, trace.Str("by", "parent"), trace.Str("detail", detail))
}

// onCleanup registers f to run when the demo ends, last registered first.
func (s *session) onCleanup(f func()) { s.undo = append(s.undo, f) }

// fail turns a broken exchange into the error worth showing: the context's
// when the user interrupted, the child's own message otherwise.
func (s *session) fail(what string, err error) error {
	if cerr := s.ctx.Err(); cerr != nil {
		return fmt.Errorf("%s demo interrupted: %w", s.typ.Name, cerr)
	}
	return fmt.Errorf("%s demo, %s: %w", s.typ.Name, what, err)
}

// handshake sends "go" with data and decodes the child's "ready" view.
func (s *session) handshake(data, view any) error {
	if err := s.pipe.Send(reexec.MsgGo, data); err != nil {
		return s.fail("sending go", err)
	}
	var m readyMsg
	if err := s.pipe.Expect(reexec.MsgReady, &m); err != nil {
		return s.fail("child", err)
	}
	for _, a := range m.Actions {
		s.res.Actions = append(s.res.Actions, a)
		trace.Action(a.Call, trace.Str("by", "child"), trace.Int("pid", int64(s.res.ChildPID)), trace.Str("detail", a.Detail))
	}
	if view != nil && len(m.View) > 0 {
		return json.Unmarshal(m.View, view)
	}
	return nil
}

// finish reads the inode table, hands the result to Options.Ready, then
// ends the child or has it exec Options.Argv, and decodes its "bye".
func (s *session) finish(o Outcome, bye any) error {
	rows, err := inodeTable(s.hostNS, s.res.ChildPID)
	if err != nil {
		return s.fail("reading namespace inodes", err)
	}
	s.res.Inodes = rows
	for _, r := range rows {
		trace.KernelEvent("ns inode", trace.Str("type", r.Type), trace.Int("host", int64(r.Host)), trace.Int("inside", int64(r.Inside)), trace.Bool("differs", r.Differs))
	}
	for _, sh := range s.res.Shell {
		trace.Shell(sh)
	}
	if s.opts.Ready != nil {
		if err := s.opts.Ready(o); err != nil {
			return err
		}
	}
	if len(s.opts.Argv) == 0 {
		if err := s.pipe.Send(msgDone, nil); err != nil {
			return s.fail("sending done", err)
		}
		if err := s.expectBye(bye); err != nil {
			return err
		}
		return s.wait()
	}
	if err := s.pipe.Send(msgExec, s.opts.Argv); err != nil {
		return s.fail("sending exec", err)
	}
	if err := s.expectBye(bye); err != nil {
		return err
	}
	m, err := s.pipe.Receive()
	switch {
	case errors.Is(err, reexec.ErrClosed): // exec worked
	case err != nil:
		return s.fail("exec", err)
	case m.Type == msgExecFail:
		var f execFail
		json.Unmarshal(m.Data, &f)
		s.wait()
		return &ExecError{Argv: s.opts.Argv, Msg: f.Msg, Code: f.Code}
	}
	trace.Action("exec", trace.Str("argv", strings.Join(s.opts.Argv, " ")), trace.Int("pid", int64(s.res.ChildPID)))
	// The program owns the terminal now. Ctrl-C reaches it directly
	// from the terminal; a cancelled context (SIGTERM to vitro) is passed
	// on as SIGTERM instead of killing it outright.
	s.unwatch()
	s.unwatch = context.AfterFunc(s.ctx, func() { s.cmd.Process.Signal(syscall.SIGTERM) })
	err = s.cmd.Wait()
	s.waited = true
	code, ok := nsenter.ExitStatus(err)
	if !ok {
		return fmt.Errorf("waiting for %s: %w", s.opts.Argv[0], err)
	}
	s.res.ExitCode = &code
	return nil
}

func (s *session) expectBye(bye any) error {
	m, err := s.pipe.Receive()
	if err != nil {
		return s.fail("child", err)
	}
	if m.Type != msgBye {
		return s.fail("child", fmt.Errorf("got %q, want %q", m.Type, msgBye))
	}
	if bye != nil && len(m.Data) > 0 {
		return json.Unmarshal(m.Data, bye)
	}
	return nil
}

func (s *session) wait() error {
	err := s.cmd.Wait()
	s.waited = true
	if err != nil {
		return s.fail("child exit", err)
	}
	return nil
}

// stop ends the demo however it got here: kills the child if it still
// runs, reaps it, and undoes what the parent made on the host.
func (s *session) stop() {
	if s.unwatch != nil {
		s.unwatch()
	}
	if !s.waited {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		s.waited = true
	}
	close(s.release)
	s.pipe.Close()
	for i := len(s.undo) - 1; i >= 0; i-- {
		s.undo[i]()
	}
}
