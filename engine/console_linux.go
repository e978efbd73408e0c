package engine

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/creack/pty"
	"github.com/vitro-dev/vitro/internal/reexec"
	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// console is the terminal of a `run -t` container. As runc does, the
// pseudo-terminal is made inside the container, from the ptmx of its own
// devpts instance, so that its slave is /dev/pts/0 there (`tty` answers
// it, and no host pty path leaks in). Init passes the master side to
// vitro over the sync socket (SCM_RIGHTS), makes the slave its stdin,
// stdout, stderr and controlling terminal, and execs. vitro copies between
// the user's terminal, put in raw mode, and the master: Ctrl-C is then a
// byte that the container's line discipline turns into SIGINT for the
// container's foreground process, as on any terminal.
type console struct {
	master  *os.File
	restore func()
	done    chan struct{}
}

// attachStdio wires init's standard streams: for -t none (init builds
// its terminal later, see console), else vitro's own (stdin only with -i).
func (r *run) attachStdio(s *reexec.Spec) {
	if r.o.Tty {
		return
	}
	if r.o.Interactive {
		s.Stdin = r.stdio.In
	}
	s.Stdout, s.Stderr = r.stdio.Out, r.stdio.Err
}

// receiveConsole asks init for its terminal and takes the master side.
func (r *run) receiveConsole() error {
	if err := r.sync.Send(msgConsole, nil); err != nil {
		return err
	}
	m, err := r.sync.ReceiveFile("console-master")
	if err != nil {
		return fmt.Errorf("receiving the container's terminal: %w", err)
	}
	c := &console{master: m, done: make(chan struct{})}
	r.tty = c
	r.onStop("pseudo-terminal", func() error { c.close(); return nil })
	if in, ok := r.stdio.In.(*os.File); ok && term.IsTerminal(int(in.Fd())) {
		pty.InheritSize(in, m)
	}
	return nil
}

// makeConsole runs in init, after pivot_root: a new pty from the
// container's /dev/ptmx, the master sent to vitro, the slave made this
// process's terminal and standard streams.
//
// Shell equivalent: script -q /dev/null (roughly: a new session on a new pty)
func makeConsole(send func(*os.File) error) error {
	mfd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open /dev/ptmx: %w", err)
	}
	master := os.NewFile(uintptr(mfd), "/dev/ptmx")
	defer master.Close()
	if err := unix.IoctlSetPointerInt(mfd, unix.TIOCSPTLCK, 0); err != nil {
		return fmt.Errorf("unlockpt: %w", err)
	}
	// TIOCGPTPEER opens the slave through the master itself, with these
	// flags, so no path lookup can be raced.
	r1, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(mfd), unix.TIOCGPTPEER, unix.O_RDWR|unix.O_NOCTTY)
	if errno != 0 {
		return fmt.Errorf("ioctl(TIOCGPTPEER): %w", errno)
	}
	sfd := int(r1)
	if err := send(master); err != nil {
		unix.Close(sfd)
		return err
	}
	if _, err := unix.Setsid(); err != nil {
		return fmt.Errorf("setsid: %w", err)
	}
	if err := unix.IoctlSetInt(sfd, unix.TIOCSCTTY, 0); err != nil {
		return fmt.Errorf("ioctl(TIOCSCTTY): %w", err)
	}
	for fd := 0; fd <= 2; fd++ {
		if err := unix.Dup3(sfd, fd, 0); err != nil {
			return fmt.Errorf("dup3 terminal to fd %d: %w", fd, err)
		}
	}
	return unix.Close(sfd)
}

// start begins copying once init runs: the user's keys to the container
// (with -i), the container's output to the user, window size changes.
func (c *console) start(stdin io.Reader, stdout io.Writer, interactive bool) {
	if in, ok := stdin.(*os.File); ok && interactive && term.IsTerminal(int(in.Fd())) {
		if st, err := term.MakeRaw(int(in.Fd())); err == nil {
			c.restore = func() { term.Restore(int(in.Fd()), st) }
		}
		winch := make(chan os.Signal, 1)
		signal.Notify(winch, syscall.SIGWINCH)
		go func() {
			for {
				select {
				case <-winch:
					pty.InheritSize(in, c.master)
				case <-c.done:
					signal.Stop(winch)
					return
				}
			}
		}()
	}
	if interactive {
		go io.Copy(c.master, stdin)
	}
	go func() {
		io.Copy(stdout, c.master) // ends with EIO once no process holds the slave
		close(c.done)
	}()
}

// wait lets the output drain after the program exited.
func (c *console) wait() { <-c.done }

func (c *console) close() {
	if c.restore != nil {
		c.restore()
		c.restore = nil
	}
	c.master.Close()
}
