package engine

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/creack/pty"
	"golang.org/x/term"
)

// console is the pseudo-terminal of a `run -t` container: init's stdin,
// stdout and stderr are the pty's slave side, and it is init's
// controlling terminal; vitro copies between its own terminal and the
// master side. The user's terminal is put in raw mode, so Ctrl-C is a
// byte that the container's line discipline turns into SIGINT for the
// container's foreground process, exactly as on a real terminal.
type console struct {
	master, slave *os.File
	restore       func()
	done          chan struct{}
}

func newConsole() (*console, error) {
	m, s, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("opening a pseudo-terminal: %w", err)
	}
	return &console{master: m, slave: s, done: make(chan struct{})}, nil
}

// attachStdio wires init's standard streams: a pty for -t, else vitro's
// own streams (stdin only with -i).
func (r *run) attachStdio(cmd *exec.Cmd) error {
	if !r.o.Tty {
		if r.o.Interactive {
			cmd.Stdin = r.stdio.In
		}
		cmd.Stdout, cmd.Stderr = r.stdio.Out, r.stdio.Err
		return nil
	}
	c, err := newConsole()
	if err != nil {
		return err
	}
	r.tty = c
	r.onStop("pseudo-terminal", func() error { c.close(); return nil })
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.slave, c.slave, c.slave
	cmd.SysProcAttr.Setsid = true
	cmd.SysProcAttr.Setctty = true
	cmd.SysProcAttr.Ctty = 0 // the child's fd 0
	if in, ok := r.stdio.In.(*os.File); ok {
		pty.InheritSize(in, c.master)
	}
	return nil
}

// start begins copying once init runs: the user's keys to the container
// (with -i), the container's output to the user, window size changes.
func (c *console) start(stdin io.Reader, stdout io.Writer, interactive bool) {
	c.slave.Close() // init holds its own copy
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
		io.Copy(stdout, c.master) // ends with EIO when the last slave fd closes
		close(c.done)
	}()
}

// wait lets the output drain after the program exited.
func (c *console) wait() {
	<-c.done
}

func (c *console) close() {
	if c.restore != nil {
		c.restore()
		c.restore = nil
	}
	c.master.Close()
	c.slave.Close()
}
