package lessons

import (
	"bufio"
	"context"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// KeySource tells the player whether to go on after a pause.
type KeySource interface {
	// Next blocks until the student answers: true to continue, false to
	// quit. Ctrl-C, Ctrl-D, q, Esc and end of input quit.
	Next(ctx context.Context) (bool, error)
}

// NewKeySource reads keys from in: single key presses when in is a
// terminal (put in raw mode only while waiting, so Ctrl-C typed during a
// demo still interrupts), lines otherwise ("q" quits, anything else goes
// on).
func NewKeySource(in io.Reader) KeySource {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return &rawKeys{f: f}
	}
	return &lineKeys{r: bufio.NewReader(in)}
}

type rawKeys struct{ f *os.File }

func (k *rawKeys) Next(ctx context.Context) (bool, error) {
	fd := int(k.f.Fd())
	old, err := term.MakeRaw(fd)
	if err != nil {
		return false, err
	}
	defer term.Restore(fd, old)
	buf := make([]byte, 1)
	for {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		n, err := k.f.Read(buf)
		if err != nil || n == 0 {
			return false, nil
		}
		switch buf[0] {
		case '\r', '\n', ' ':
			return true, nil
		case 'q', 'Q', 3, 4, 27: // q, Ctrl-C, Ctrl-D, Esc
			return false, nil
		}
	}
}

type lineKeys struct{ r *bufio.Reader }

func (k *lineKeys) Next(ctx context.Context) (bool, error) {
	line, err := k.r.ReadString('\n')
	if err != nil && line == "" {
		return false, nil
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	return !strings.EqualFold(strings.TrimSpace(line), "q"), nil
}
