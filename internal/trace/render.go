package trace

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// Format selects a renderer.
type Format string

const (
	FormatText   Format = "text"
	FormatJSON   Format = "json"
	FormatChrome Format = "chrome"
)

// ParseFormat accepts text, json and chrome.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case FormatText, FormatJSON, FormatChrome:
		return f, nil
	case "":
		return FormatText, nil
	}
	return "", fmt.Errorf("trace format %q: want text, json or chrome", s)
}

// NewSink returns a renderer of the given format writing to w. Colour is
// used by the text renderer only when w is a terminal.
func NewSink(f Format, w io.Writer) Sink {
	switch f {
	case FormatJSON:
		return &jsonSink{w: bufio.NewWriter(w), c: w}
	case FormatChrome:
		return &chromeSink{w: bufio.NewWriter(w), c: w}
	}
	color := false
	if fd, ok := w.(interface{ Fd() uintptr }); ok {
		color = term.IsTerminal(int(fd.Fd())) && os.Getenv("NO_COLOR") == ""
	}
	return &textSink{w: w, color: color}
}

// closeUnder closes c unless it is one of the standard streams.
func closeUnder(c io.Writer) error {
	if c == os.Stderr || c == os.Stdout {
		return nil
	}
	if cl, ok := c.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}

// textSink writes for people:
//
//	[3/6] rootfs
//	  mount  source=overlay target=/merged flags=MS_NODEV
//	    $ mount -t overlay overlay -o lowerdir=... /merged
//	    · mountinfo  id=812 fstype=overlay
//	  done in 2.1ms
type textSink struct {
	w     io.Writer
	color bool
}

const (
	ansiBold  = "\x1b[1m"
	ansiDim   = "\x1b[2m"
	ansiCyan  = "\x1b[36m"
	ansiGreen = "\x1b[32m"
	ansiReset = "\x1b[0m"
)

func (s *textSink) paint(code, text string) string {
	if !s.color {
		return text
	}
	return code + text + ansiReset
}

func (s *textSink) Emit(e *Event) {
	var b strings.Builder
	switch e.Kind {
	case KindStep:
		if e.Steps > 0 {
			fmt.Fprintf(&b, "%s\n", s.paint(ansiBold, fmt.Sprintf("[%d/%d] %s", e.Step, e.Steps, e.Name)))
		} else {
			fmt.Fprintf(&b, "%s\n", s.paint(ansiBold, "== "+e.Name))
		}
	case KindEnd:
		fmt.Fprintf(&b, "  %s%s\n", s.paint(ansiGreen, "done in "+e.Dur.Round(1000).String()), fieldText(e.Fields))
	case KindAction:
		fmt.Fprintf(&b, "  %s%s\n", s.paint(ansiCyan, e.Name), fieldText(e.Fields))
	case KindKernel:
		fmt.Fprintf(&b, "    %s%s\n", s.paint(ansiDim, "· "+e.Name), s.paint(ansiDim, fieldText(e.Fields)))
	case KindShell:
		fmt.Fprintf(&b, "    %s\n", s.paint(ansiDim, "$ "+e.Name))
	}
	io.WriteString(s.w, b.String())
}

func (s *textSink) Close() error { return closeUnder(s.w) }

func fieldText(fs []Field) string {
	var b strings.Builder
	for _, f := range fs {
		v := f.Value()
		if strings.ContainsAny(v, " \t\"") || v == "" {
			v = fmt.Sprintf("%q", v)
		}
		b.WriteString("  " + f.Key + "=" + v)
	}
	return b.String()
}

func fieldMap(fs []Field) map[string]any {
	if len(fs) == 0 {
		return nil
	}
	m := make(map[string]any, len(fs))
	for _, f := range fs {
		m[f.Key] = f.JSONValue()
	}
	return m
}

// jsonSink writes one JSON object per line.
type jsonSink struct {
	w *bufio.Writer
	c io.Writer
}

type jsonEvent struct {
	Time   string         `json:"time"`
	Kind   string         `json:"kind"`
	Step   int            `json:"step,omitempty"`
	Steps  int            `json:"steps,omitempty"`
	Name   string         `json:"name"`
	DurNS  int64          `json:"dur_ns,omitempty"`
	PID    int            `json:"pid"`
	Fields map[string]any `json:"fields,omitempty"`
}

func (s *jsonSink) Emit(e *Event) {
	je := jsonEvent{
		Time: e.Time.Format("2006-01-02T15:04:05.000000Z07:00"), Kind: e.Kind.String(),
		Step: e.Step, Steps: e.Steps, Name: e.Name, DurNS: int64(e.Dur), PID: e.PID, Fields: fieldMap(e.Fields),
	}
	b, _ := json.Marshal(je)
	s.w.Write(append(b, '\n'))
	s.w.Flush()
}

func (s *jsonSink) Close() error {
	if err := s.w.Flush(); err != nil {
		return err
	}
	return closeUnder(s.c)
}

// chromeSink writes the Trace Event Format's JSON array: steps become
// begin/end pairs ("B"/"E"), everything else instant events ("i").
type chromeSink struct {
	w     *bufio.Writer
	c     io.Writer
	count int
}

type chromeEvent struct {
	Name  string         `json:"name"`
	Cat   string         `json:"cat"`
	Ph    string         `json:"ph"`
	TS    int64          `json:"ts"`
	PID   int            `json:"pid"`
	TID   int            `json:"tid"`
	Scope string         `json:"s,omitempty"`
	Args  map[string]any `json:"args,omitempty"`
}

func (s *chromeSink) Emit(e *Event) {
	ce := chromeEvent{Name: e.Name, Cat: e.Kind.String(), TS: e.Time.UnixMicro(), PID: e.PID, TID: e.PID, Args: fieldMap(e.Fields)}
	switch e.Kind {
	case KindStep:
		ce.Ph = "B"
		if e.Steps > 0 {
			ce.Name = fmt.Sprintf("[%d/%d] %s", e.Step, e.Steps, e.Name)
		}
	case KindEnd:
		ce.Ph = "E"
		if e.Steps > 0 {
			ce.Name = fmt.Sprintf("[%d/%d] %s", e.Step, e.Steps, e.Name)
		}
	default:
		ce.Ph, ce.Scope = "i", "t"
	}
	b, _ := json.Marshal(ce)
	if s.count == 0 {
		s.w.WriteString("[\n")
	} else {
		s.w.WriteString(",\n")
	}
	s.count++
	s.w.Write(b)
}

func (s *chromeSink) Close() error {
	if s.count == 0 {
		s.w.WriteString("[")
	}
	s.w.WriteString("\n]\n")
	if err := s.w.Flush(); err != nil {
		return err
	}
	return closeUnder(s.c)
}

// Open builds a tracer from command-line settings: level, format, and a
// file path ("" or "-" means standard error). Trace output never goes to
// standard output, which belongs to results.
func Open(level Level, format Format, path string) (*Tracer, error) {
	if level == Off {
		return New(Off, nil), nil
	}
	var w io.Writer = os.Stderr
	if path != "" && path != "-" {
		f, err := os.Create(path)
		if err != nil {
			return nil, fmt.Errorf("trace file: %w", err)
		}
		w = f
	}
	return New(level, NewSink(format, w)), nil
}
