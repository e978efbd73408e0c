package reexec

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/vitro-dev/vitro/internal/trace"
	"golang.org/x/sys/unix"
)

// Spec says how to start a child. Only Entry is required; the zero value
// of every other field is the usual choice.
type Spec struct {
	// Entry is the registered entry point the child runs; Args become its
	// os.Args[1:].
	Entry string
	Args  []string

	// CloneFlags are the CLONE_NEW* flags the child is born with.
	CloneFlags uintptr
	// CgroupDir, when set, is an open directory of a cgroup v2 hierarchy:
	// the child is born in that cgroup, by clone3 with CLONE_INTO_CGROUP
	// (Linux 5.7), and never runs a moment outside it. When the kernel
	// refuses clone3's cgroup argument (ENOSYS from a kernel before 5.7 or
	// from a seccomp filter, as docker's default profile answers to
	// clone3; EINVAL from a kernel that does not know the flag), Launch
	// starts the child again without it and Process.IntoCgroup is false:
	// the caller then moves it (a write of its PID to cgroup.procs) before
	// letting it go on. Leave it nil on v1 and hybrid layouts, whose
	// limits live in v1 hierarchies that clone3 cannot target.
	CgroupDir *os.File

	// UIDMap and GIDMap are written to the child's /proc/PID/uid_map and
	// gid_map (with CLONE_NEWUSER) while it is held before its execve of
	// vitro, so that it starts with the capabilities of the namespace's
	// root. Setgroups leaves setgroups(2) allowed in the namespace.
	UIDMap, GIDMap []syscall.SysProcIDMap
	Setgroups      bool
	// Credential, when set, is the uid and gid the child takes before its
	// execve (inside its user namespace, when it has one).
	Credential *syscall.Credential

	// Stdin, Stdout and Stderr are as in os/exec: nil is /dev/null; a
	// reader or writer that is not an *os.File is copied by a goroutine
	// that Wait waits for.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// ExtraFiles become the child's fds 3, 4, ...; the sync socket takes
	// the next number, which the child finds in $VITRO_SYNC_FD.
	ExtraFiles []*os.File
	// Env is the child's environment; nil is this process's. Launch adds
	// VITRO_SYNC_FD, and VITRO_TRACE_LEVEL when this process traces.
	Env []string

	// DeathSignal is what the kernel sends the child when its parent
	// dies. The default value is SIGKILL. (See "death signal" below.)
	DeathSignal syscall.Signal
	// Detach starts a child that outlives vitro: no death signal, and a
	// session of its own (setsid), as a shell's background job. A lab's
	// helper process is one.
	Detach bool

	// OnThread, when set, runs on the OS thread that will clone the
	// child, just before it does: the place to read what the child
	// inherits from that thread, such as its namespaces
	// (/proc/thread-self/ns).
	OnThread func() error
}

// Process is a child started by Launch. Pid and Sync are set once Launch returns; the
// child is then blocked on its sync socket until the caller's first
// message, if its entry point waits for one (see the package comment).
type Process struct {
	Pid  int
	Sync *Pipe // the parent's end of the sync socket
	// IntoCgroup reports that the child was born in Spec.CgroupDir by
	// CLONE_INTO_CGROUP; false when none was given or the kernel refused.
	IntoCgroup bool

	cmd       *exec.Cmd
	done      chan struct{} // closed once the child is reaped
	waitErr   error
	cancelSig atomic.Int32
	unwatch   func() bool
	closeOnce sync.Once
}

// StartError is a child that could not be started. It prints as the
// kernel's (or os/exec's) error alone, so that each caller can say what
// it was starting; Flags and IntoCgroup tell how it was tried.
type StartError struct {
	Entry      string
	Flags      uintptr
	IntoCgroup bool
	Err        error
}

func (e *StartError) Error() string { return e.Err.Error() }
func (e *StartError) Unwrap() error { return e.Err }

// startCmd starts the child's command. Tests replace it (ReplaceStart) to
// play a kernel that refuses something.
var startCmd = (*exec.Cmd).Start

// ReplaceStart makes Launch start children with f instead of
// exec.Cmd.Start until restore is called. It exists for tests that play a
// kernel refusing a clone flag; f sees the command Launch built.
func ReplaceStart(f func(*exec.Cmd) error) (restore func()) {
	old := startCmd
	startCmd = f
	return func() { startCmd = old }
}

// Launch starts entry point s.Entry as a child in the namespaces of
// s.CloneFlags, connected to this process by a sync socket.
//
// The death signal (Pdeathsig) is tied by the kernel to the thread that
// cloned the child, not to the process: when that thread ends, the child
// gets the signal. The Go runtime ends a thread whenever a goroutine that
// locked it returns without unlocking, which is how code that switched a
// thread's namespace throws it away; any goroutine of vitro may do that on
// any unlocked thread. So Launch clones every child from a goroutine of
// its own, locked to its OS thread, which waits there for the child to
// end: only vitro's own death fires the signal.
//
// Until ctx is done the child is governed by it: cancelling ctx sends the
// child SIGKILL (or the signal set with OnCancel), so a parent blocked on
// Sync sees the socket close. Call Close when done with the child.
func Launch(ctx context.Context, s Spec) (*Process, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	into := s.CgroupDir != nil
	c, err := launch(s, into)
	if into && (errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EINVAL)) {
		trace.Action("clone3 into cgroup refused", trace.Str("error", err.Error()),
			trace.Str("instead", "start, then write the PID to cgroup.procs"))
		c, err = launch(s, false)
	}
	if err != nil {
		return nil, err
	}
	c.cancelSig.Store(int32(syscall.SIGKILL))
	c.unwatch = context.AfterFunc(ctx, func() {
		if sig := syscall.Signal(c.cancelSig.Load()); sig != 0 {
			c.Signal(sig)
		}
	})
	return c, nil
}

// launch starts the child once: born in s.CgroupDir when into is true.
func launch(s Spec, into bool) (*Process, error) {
	cmd := Command(s.Entry, s.Args...)
	cmd.SysProcAttr = s.sysProcAttr(into)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s.Stdin, s.Stdout, s.Stderr
	cmd.ExtraFiles = append([]*os.File(nil), s.ExtraFiles...)
	if s.Env != nil {
		cmd.Env = append([]string{}, s.Env...)
	}
	p, childEnd, err := newPair(cmd)
	if err != nil {
		return nil, err
	}
	c := &Process{Sync: p, IntoCgroup: into, cmd: cmd, done: make(chan struct{})}
	started := make(chan error, 1)
	go c.run(s, started)
	err = <-started
	childEnd.Close() // the child has its copy; EOF on Sync now means it is gone or exec'd
	if err != nil {
		p.Close()
		return nil, &StartError{Entry: s.Entry, Flags: s.CloneFlags, IntoCgroup: into, Err: err}
	}
	c.Pid = cmd.Process.Pid
	return c, nil
}

func (s Spec) sysProcAttr(into bool) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{
		Cloneflags:                 s.CloneFlags,
		UidMappings:                s.UIDMap,
		GidMappings:                s.GIDMap,
		GidMappingsEnableSetgroups: s.Setgroups,
		Credential:                 s.Credential,
		Setsid:                     s.Detach,
	}
	if !s.Detach {
		a.Pdeathsig = s.DeathSignal
		if a.Pdeathsig == 0 {
			a.Pdeathsig = syscall.SIGKILL
		}
	}
	if into {
		a.UseCgroupFD, a.CgroupFD = true, int(s.CgroupDir.Fd())
	}
	return a
}

// run is the goroutine that clones the child and reaps it. With a death
// signal it keeps its thread locked from the clone to the reaping, so
// the thread the signal is tied to lives exactly as long as the child.
func (c *Process) run(s Spec, started chan<- error) {
	if !s.Detach {
		runtime.LockOSThread()
		// Unlocking is safe: nothing here changes the thread's state.
		defer runtime.UnlockOSThread()
	}
	var err error
	if s.OnThread != nil {
		err = s.OnThread()
	}
	if err == nil {
		err = startCmd(c.cmd)
	}
	started <- err
	if err != nil {
		return
	}
	c.waitErr = c.cmd.Wait()
	close(c.done)
}

// Wait waits until the child has ended and its output is copied, and
// returns what exec.Cmd.Wait returned (an *exec.ExitError for a non-zero
// status or a signal). Any number of goroutines may call it, any number
// of times.
func (c *Process) Wait() error {
	<-c.done
	return c.waitErr
}

// Done is closed once the child has ended and been reaped.
func (c *Process) Done() <-chan struct{} { return c.done }

// ProcessState is how the child ended; nil while it runs.
func (c *Process) ProcessState() *os.ProcessState {
	select {
	case <-c.done:
		return c.cmd.ProcessState
	default:
		return nil
	}
}

// Signal sends sig to the child; after it has been reaped, it does
// nothing and returns os.ErrProcessDone.
func (c *Process) Signal(sig os.Signal) error { return c.cmd.Process.Signal(sig) }

// Kill sends SIGKILL.
func (c *Process) Kill() error { return c.Signal(syscall.SIGKILL) }

// OnCancel sets what the child is sent when Launch's ctx is done, from
// now on: SIGKILL until changed. 0 sends nothing, for a caller that
// handles cancellation itself or lets the child live on.
func (c *Process) OnCancel(sig syscall.Signal) { c.cancelSig.Store(int32(sig)) }

// Close ends the child however far it got: it stops watching ctx, kills
// the child if it still runs, waits until it is reaped, and closes the
// parent's end of the sync socket. It is safe to call more than once, and
// after Wait. A detached child that should live on is not closed: call
// OnCancel(0) and Sync.Close instead.
func (c *Process) Close() error {
	c.unwatch()
	select {
	case <-c.done:
	default:
		c.Kill()
		<-c.done
	}
	var err error
	c.closeOnce.Do(func() { err = c.Sync.Close() })
	return err
}
