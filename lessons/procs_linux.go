package lessons

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/trace"
	"github.com/vitro-dev/vitro/nsdemo"
	"golang.org/x/sys/unix"
)

// Labs whose solution is a running process (a shell in new namespaces,
// say) start it detached, as the student's shell would be: its own
// session, stdio on /dev/null, VITRO_STUDENT in its environment. It
// outlives vitro until reset kills it, or two hours pass.
//
//	vitro (parent)                          helper (child, new namespaces)
//	clone(flags) ─────────────────────────► setup (hostname, mounts, ...)
//	Expect("ready") ◄──────────────────────  Send("ready")
//	record {pid, start time} in state        sleep until killed (≤ 2h)

const helperLifetime = 2 * time.Hour

// helpers are the setups a lab helper can do, by kind.
var helpers = map[string]func(args []string) error{}

// afterReady runs after the helper reported ready, for helpers that end
// by exec'ing another program.
var afterReady = map[string]func() error{"timens": execSleep}

func init() {
	reexec.Register("lessons-lab", helperMain)
}

func helperMain() {
	pipe, err := reexec.Child()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fn, ok := helpers[os.Args[1]]
	if !ok {
		pipe.SendError(fmt.Errorf("unknown lab helper %q", os.Args[1]))
		os.Exit(1)
	}
	if err := fn(os.Args[2:]); err != nil {
		pipe.SendError(err)
		os.Exit(1)
	}
	pipe.Send(reexec.MsgReady, nil)
	pipe.Close()
	if then := afterReady[os.Args[1]]; then != nil {
		if err := then(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	time.Sleep(helperLifetime)
	os.Exit(0)
}

// spawn starts helper kind with args in new namespaces (clone flags),
// waits until its setup is done and records it for reset.
func (e *LabEnv) spawn(ctx context.Context, flags uintptr, kind string, args ...string) (int, error) {
	trace.Action("clone", trace.Str("helper", kind), trace.Hex("flags", uint64(flags)))
	c, err := reexec.Launch(ctx, reexec.Spec{
		Entry: "lessons-lab", Args: append([]string{kind}, args...),
		CloneFlags: flags, Detach: true,
		Env: append(os.Environ(), StudentEnv+"="+e.Student.Name),
	})
	if err != nil {
		return 0, fmt.Errorf("starting lab helper %s: %w", kind, err)
	}
	defer c.Sync.Close()
	pid := c.Pid
	e.State.Procs = append(e.State.Procs, Proc{PID: pid, Start: startTime(pid)})
	if err := e.saveState(); err != nil {
		c.Close()
		return pid, err
	}
	// A Ctrl-C before the helper is ready kills it (the launcher's
	// default); once ready it lives on alone, until reset.
	if err := c.Sync.Expect(reexec.MsgReady, nil); err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return pid, fmt.Errorf("lab helper %s: %w", kind, err)
	}
	c.OnCancel(0)
	return pid, nil
}

// startTime is field 22 of /proc/PID/stat, 0 if the process is gone.
func startTime(pid int) uint64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	// comm may hold spaces and parentheses: fields start after the last ')'.
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return 0
	}
	n, _ := strconv.ParseUint(f[19], 10, 64)
	return n
}

// alive tells whether pid runs and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && len(s) > i+2 && s[i+2] != 'Z' && s[i+2] != 'X'
}

// killProc kills p if it is still the process that was recorded, and
// waits for it to die. It reports whether it killed something.
func killProc(p Proc) bool {
	if p.PID <= 1 || startTime(p.PID) != p.Start || !alive(p.PID) {
		return false
	}
	return killPID(p.PID)
}

// killPID sends SIGKILL and waits up to ten seconds for the process to go.
//
// Shell equivalent: kill -9 PID
func killPID(pid int) bool {
	trace.Action("kill", trace.Int("pid", int64(pid)), trace.Str("signal", "SIGKILL"))
	if err := unix.Kill(pid, unix.SIGKILL); err != nil {
		return false
	}
	for i := 0; i < 1000 && alive(pid); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// studentProcs lists the live processes of e's student that match keep,
// leaving out this process.
func (e *LabEnv) studentProcs(keep func(pid int) bool) []int {
	var out []int
	self := os.Getpid()
	for _, pid := range pids() {
		if pid == self || !alive(pid) || !e.Student.Owns(pid) {
			continue
		}
		if keep(pid) {
			out = append(out, pid)
		}
	}
	return out
}

// inOwnNS tells whether pid is in a namespace of type typ other than this
// process's (the host's).
func inOwnNS(pid int, typ string) bool {
	a, err1 := nsdemo.Inode(pid, typ)
	b, err2 := nsdemo.Inode(os.Getpid(), typ)
	return err1 == nil && err2 == nil && a != b
}

// killAll kills pids and says what it killed.
func killAll(pids []int, why string) []string {
	var out []string
	for _, p := range pids {
		c := comm(p)
		if killPID(p) {
			out = append(out, fmt.Sprintf("process %d (%s, %s)", p, c, why))
		}
	}
	return out
}
