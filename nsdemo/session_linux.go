package nsdemo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
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
	ctx    context.Context
	typ    Type
	opts   Options
	res    *Result
	child  *reexec.Process
	pipe   *reexec.Pipe
	undo   []func()
	hostNS map[string]uint64 // the namespaces of the thread that forked the child
}

// start re-executes vitro as the demo's child with cloneFlags (exactly one
// namespace flag, or none for the demos whose child unshares itself). The
// child is blocked on the sync socket when start returns. The launcher
// gives it a death signal (if vitro dies, the kernel kills the demo
// process too, so no namespace outlives the command) and a Ctrl-C kills
// it, so that a blocked Receive sees EOF.
func start(ctx context.Context, typ string, cloneFlags uintptr, res *Result, opts Options, edit ...func(*reexec.Spec)) (*session, error) {
	t, _ := Lookup(typ)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s := &session{ctx: ctx, typ: t, opts: opts, res: res}
	res.Type, res.Flag = t.Name, t.CloneFlag
	spec := reexec.Spec{Entry: "nsdemo-" + typ, CloneFlags: cloneFlags, Stderr: os.Stderr}
	if len(opts.Argv) > 0 {
		spec.Stdin, spec.Stdout, spec.Stderr = opts.Stdin, opts.Stdout, opts.Stderr
	}
	// The namespaces of the thread that clones the child are exactly what
	// it inherits, and so the right "host" column for the inode table.
	// (The process's own /proc/<pid>/ns shows its main thread, which other
	// code may have moved, or left stranded, in another namespace.)
	spec.OnThread = func() (err error) {
		s.hostNS, err = inodesAt("/proc/thread-self")
		return err
	}
	for _, f := range edit {
		f(&spec)
	}
	child, err := reexec.Launch(ctx, spec)
	if err != nil {
		return nil, fmt.Errorf("clone(%s): %w", flagName(cloneFlags, t), err)
	}
	s.child, s.pipe = child, child.Sync
	res.ChildPID = child.Pid
	s.did("clone", fmt.Sprintf("flags=%s → host PID %d", flagName(cloneFlags, t), res.ChildPID))
	return s, nil
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
	s.child.OnCancel(syscall.SIGTERM)
	err = s.child.Wait()
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
	if err := s.child.Wait(); err != nil {
		return s.fail("child exit", err)
	}
	return nil
}

// stop ends the demo however it got here: kills the child if it still
// runs, reaps it, and undoes what the parent made on the host.
func (s *session) stop() {
	s.child.Close()
	for i := len(s.undo) - 1; i >= 0; i-- {
		s.undo[i]()
	}
}
