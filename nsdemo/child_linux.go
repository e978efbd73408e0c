package nsdemo

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"runtime"
	"strconv"

	"github.com/vitro-dev/vitro/internal/reexec"
	"golang.org/x/sys/unix"
)

// child is the demo process's side of the exchange in session_linux.go.
type child struct {
	pipe    *reexec.Pipe
	fd      int // the sync socket's number, kept for a re-exec (stage two)
	actions []Action
	stage2  bool // this process is the re-executed second stage
}

// stage2Env carries what a child that unshared and re-executed itself
// (cgroup and time demos) needs: the "go" data and the actions so far.
const stage2Env = "VITRO_NSDEMO_STAGE2"

type stage2 struct {
	Go      json.RawMessage `json:"go"`
	Actions []Action        `json:"actions"`
}

// Entry points that unshare and re-execute must do it on the main thread:
// /proc/self/timens_offsets shows and sets the namespace prepared by the
// thread-group leader only. Locking in init keeps main, and so the entry
// point, on that thread.
func init() {
	switch os.Args[0] {
	case "vitro-reexec:nsdemo-time", "vitro-reexec:nsdemo-cgroup":
		runtime.LockOSThread()
	}
}

func newChild() *child {
	fd, _ := strconv.Atoi(os.Getenv(reexec.SyncFDEnv))
	p, err := reexec.Child()
	if err != nil {
		fmt.Fprintln(os.Stderr, "vitro:", err)
		os.Exit(125)
	}
	return &child{pipe: p, fd: fd}
}

// expectGo blocks until the parent says "go", decoding its data into v.
// In stage two the data comes from the environment instead.
func (c *child) expectGo(v any) {
	if s := os.Getenv(stage2Env); s != "" {
		os.Unsetenv(stage2Env)
		c.stage2 = true
		var st stage2
		if err := json.Unmarshal([]byte(s), &st); err != nil {
			c.fail(fmt.Errorf("%s: %w", stage2Env, err))
		}
		c.actions = st.Actions
		if v != nil {
			c.check("decoding go", json.Unmarshal(st.Go, v))
		}
		return
	}
	var raw json.RawMessage
	if err := c.pipe.Expect(reexec.MsgGo, &raw); err != nil {
		os.Exit(1) // the parent is gone or gave up: nothing to report to
	}
	if v != nil && len(raw) > 0 {
		c.check("decoding go", json.Unmarshal(raw, v))
	}
}

// inStage2 reports whether this process is the re-executed second stage.
// Call it after expectGo.
func (c *child) inStage2() bool { return c.stage2 }

// did records an action for the parent to show and trace.
func (c *child) did(call, detail string) {
	c.actions = append(c.actions, Action{By: "child", Call: call, Detail: detail})
}

func (c *child) fail(err error) {
	c.pipe.SendError(err)
	os.Exit(1)
}

// check fails the demo with what when err is not nil.
func (c *child) check(what string, err error) {
	if err != nil {
		c.fail(fmt.Errorf("%s: %w", what, err))
	}
}

// ready sends the inside view.
func (c *child) ready(view any) {
	b, err := json.Marshal(view)
	c.check("encoding the inside view", err)
	if err := c.pipe.Send(reexec.MsgReady, readyMsg{Actions: c.actions, View: b}); err != nil {
		os.Exit(1)
	}
}

// serve waits for "done" or "exec". Before either, tidy runs (it may be
// nil) and its result goes back as "bye".
func (c *child) serve(tidy func() any) {
	m, err := c.pipe.Receive()
	if err != nil {
		os.Exit(1)
	}
	var bye any
	if tidy != nil {
		bye = tidy()
	}
	if err := c.pipe.Send(msgBye, bye); err != nil {
		os.Exit(1)
	}
	if m.Type != msgExec {
		os.Exit(0)
	}
	var argv []string
	if err := json.Unmarshal(m.Data, &argv); err != nil || len(argv) == 0 {
		c.execFailed(argv, "no program given", 125)
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		code := 127
		if errors.Is(err, fs.ErrPermission) {
			code = 126
		}
		c.execFailed(argv, err.Error(), code)
	}
	// On success the sync socket (close-on-exec) closes: the parent's EOF.
	err = unix.Exec(path, argv, os.Environ())
	c.execFailed(argv, err.Error(), 126)
}

func (c *child) execFailed(argv []string, msg string, code int) {
	c.pipe.Send(msgExecFail, execFail{Msg: msg, Code: code})
	os.Exit(code)
}

// reexecAfterUnshare is the first stage of the cgroup and time demos. A
// namespace made by unshare(2) on one thread of a Go process belongs to
// that thread only; execve keeps the calling thread's namespaces and
// drops the other threads, so the program that follows lives wholly in
// the new namespace (and a new time namespace, which unshare only
// prepares for children, is entered by execve). unshare(1) works the same
// way: unshare, then exec. Before calling, lock the thread and unshare.
func (c *child) reexecAfterUnshare(goData any) {
	b, err := json.Marshal(goData)
	c.check("encoding stage two", err)
	st, err := json.Marshal(stage2{Go: b, Actions: c.actions})
	c.check("encoding stage two", err)
	// Keep the sync socket open across this one exec.
	_, err = unix.FcntlInt(uintptr(c.fd), unix.F_SETFD, 0)
	c.check("clearing close-on-exec on the sync socket", err)
	env := append(os.Environ(), reexec.SyncFDEnv+"="+strconv.Itoa(c.fd), stage2Env+"="+string(st))
	runtime.LockOSThread() // the caller did; stay on the unshared thread
	err = unix.Exec(reexec.Self, os.Args, env)
	c.fail(fmt.Errorf("re-executing after unshare: %w", err))
}
