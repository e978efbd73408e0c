package reexec

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"

	"golang.org/x/sys/unix"
)

// SyncFDEnv names the environment variable that tells the child which fd
// is its end of the sync socket.
const SyncFDEnv = "VITRO_SYNC_FD"

// Message is one line of the handshake.
type Message struct {
	Type  string          `json:"type"`            // "go", "ready", "error" or a caller's own
	Data  json.RawMessage `json:"data,omitempty"`  // payload, JSON
	Error string          `json:"error,omitempty"` // set when Type is "error"
}

// Message types used by the handshake in the package comment.
const (
	MsgGo    = "go"
	MsgReady = "ready"
	MsgError = "error"
)

// ErrClosed is returned by Receive when the other end closed the socket:
// the child exec'd (its end is close-on-exec) or exited.
var ErrClosed = errors.New("sync socket closed by the other side")

// Pipe is one end of the parent/child sync socket.
type Pipe struct {
	f *os.File
	r *bufio.Reader
}

// newPair makes the socketpair and hands the child's end to cmd as fd 3
// (or the next free ExtraFiles slot), recording its number in the
// child's environment. Launch closes the returned child end once the
// child has started, and the caller closes the parent end (Process.Close).
func newPair(cmd *exec.Cmd) (*Pipe, *os.File, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("socketpair: %w", err)
	}
	parent := os.NewFile(uintptr(fds[0]), "sync-parent")
	child := os.NewFile(uintptr(fds[1]), "sync-child")
	cmd.ExtraFiles = append(cmd.ExtraFiles, child)
	fd := 2 + len(cmd.ExtraFiles)
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, SyncFDEnv+"="+strconv.Itoa(fd))
	if e, ok := traceEnv(); ok {
		cmd.Env = append(cmd.Env, e)
	}
	return &Pipe{f: parent, r: bufio.NewReader(parent)}, child, nil
}

// Child returns the child's end of the sync socket, marked close-on-exec
// so that a successful execve closes it and the parent sees EOF.
func Child() (*Pipe, error) {
	s := os.Getenv(SyncFDEnv)
	fd, err := strconv.Atoi(s)
	if err != nil || fd < 3 {
		return nil, fmt.Errorf("%s=%q: not started by vitro with a sync socket", SyncFDEnv, s)
	}
	unix.CloseOnExec(fd)
	os.Unsetenv(SyncFDEnv)
	f := os.NewFile(uintptr(fd), "sync-child")
	p := &Pipe{f: f, r: bufio.NewReader(f)}
	forwardTrace(p)
	return p, nil
}

// Send writes one message. data is marshalled to JSON; nil sends none.
func (p *Pipe) Send(typ string, data any) error {
	m := Message{Type: typ}
	if data != nil {
		b, err := json.Marshal(data)
		if err != nil {
			return err
		}
		m.Data = b
	}
	return p.write(m)
}

// SendError tells the other side that this side failed.
func (p *Pipe) SendError(err error) error {
	return p.write(Message{Type: MsgError, Error: err.Error()})
}

func (p *Pipe) write(m Message) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if _, err := p.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("sync send %q: %w", m.Type, err)
	}
	return nil
}

// Receive reads one message. A message of type "error" is returned as an
// error; EOF is ErrClosed. Trace events the other side forwards are
// recorded on this process's tracer and not returned.
func (p *Pipe) Receive() (Message, error) {
	for {
		m, err := p.receive()
		if err == nil && m.Type == msgTrace {
			replay(m.Data)
			continue
		}
		return m, err
	}
}

func (p *Pipe) receive() (Message, error) {
	line, err := p.r.ReadBytes('\n')
	if err != nil {
		if errors.Is(err, io.EOF) {
			return Message{}, ErrClosed
		}
		return Message{}, fmt.Errorf("sync receive: %w", err)
	}
	var m Message
	if err := json.Unmarshal(line, &m); err != nil {
		return Message{}, fmt.Errorf("sync receive: bad message %q: %w", line, err)
	}
	if m.Type == MsgError {
		return m, errors.New(m.Error)
	}
	return m, nil
}

// Expect receives one message and checks its type, decoding its data
// into out when out is not nil.
func (p *Pipe) Expect(typ string, out any) error {
	m, err := p.Receive()
	if err != nil {
		return err
	}
	if m.Type != typ {
		return fmt.Errorf("sync: got %q, want %q", m.Type, typ)
	}
	if out != nil && len(m.Data) > 0 {
		return json.Unmarshal(m.Data, out)
	}
	return nil
}

// Close closes this end.
func (p *Pipe) Close() error { return p.f.Close() }
