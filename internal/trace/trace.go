package trace

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Level selects how much is recorded.
type Level int32

const (
	// Off records nothing. It is the default.
	Off Level = iota
	// Steps records step headers, actions, shell equivalents and timings.
	Steps
	// Kernel also records syscalls and kernel evidence.
	Kernel
)

// String returns the name used on the command line.
func (l Level) String() string {
	switch l {
	case Off:
		return "off"
	case Steps:
		return "steps"
	case Kernel:
		return "kernel"
	}
	return "level(" + strconv.Itoa(int(l)) + ")"
}

// ParseLevel parses "off", "steps" (or "" and "true", what a bare --trace
// gives) and "kernel".
func ParseLevel(s string) (Level, error) {
	switch strings.ToLower(s) {
	case "off", "false", "none":
		return Off, nil
	case "", "true", "steps", "on":
		return Steps, nil
	case "kernel", "syscalls":
		return Kernel, nil
	}
	return Off, fmt.Errorf("trace level %q: want steps or kernel", s)
}

// Kind says what an event is.
type Kind uint8

const (
	KindStep   Kind = iota + 1 // a step begins
	KindEnd                    // a step ends; Dur is its duration
	KindAction                 // something vitro did
	KindKernel                 // a syscall or kernel evidence
	KindShell                  // the shell equivalent of the last action
)

var kindNames = [...]string{"", "step", "end", "action", "kernel", "shell"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Event is one record. Renderers receive it by pointer and must not keep it.
type Event struct {
	Time   time.Time
	Kind   Kind
	Step   int    // the step number for KindStep/KindEnd, 0 otherwise
	Steps  int    // how many steps there are, 0 when not part of a numbered run
	Name   string // step name, action, syscall or shell command
	Fields []Field
	Dur    time.Duration // KindEnd only
	PID    int
}

// Sink renders events. Emit is called with the tracer's lock held, so a
// sink needs no locking of its own.
type Sink interface {
	Emit(e *Event)
	Close() error
}

// Tracer records events into a sink when its level allows. The zero value
// and a nil *Tracer are valid and disabled.
type Tracer struct {
	level atomic.Int32
	mu    sync.Mutex
	sink  Sink
}

// New returns a tracer at the given level writing to sink.
func New(level Level, sink Sink) *Tracer {
	t := &Tracer{sink: sink}
	if sink != nil {
		t.level.Store(int32(level))
	}
	return t
}

// Enabled reports whether events of level l are recorded.
func (t *Tracer) Enabled(l Level) bool {
	return t != nil && l != Off && Level(t.level.Load()) >= l
}

// Level returns the tracer's level.
func (t *Tracer) Level() Level {
	if t == nil {
		return Off
	}
	return Level(t.level.Load())
}

// Close flushes and closes the sink.
func (t *Tracer) Close() error {
	if t == nil || t.sink == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.level.Store(int32(Off))
	return t.sink.Close()
}

func (t *Tracer) emit(kind Kind, step, steps int, name string, d time.Duration, fields []Field) {
	e := Event{Time: time.Now(), Kind: kind, Step: step, Steps: steps, Name: name, Dur: d, PID: os.Getpid()}
	if len(fields) > 0 {
		// Copy: the caller's variadic slice must not escape, or every call
		// would allocate even when tracing is off.
		e.Fields = append(make([]Field, 0, len(fields)), fields...)
	}
	t.mu.Lock()
	t.sink.Emit(&e)
	t.mu.Unlock()
}

// Span is a step in progress. End it to record its duration.
type Span struct {
	t     *Tracer
	step  int
	steps int
	name  string
	start time.Time
}

// Step records a step header ("[n/steps] name") and returns the span that
// End closes. steps may be 0 for a step outside a numbered sequence.
func (t *Tracer) Step(n, steps int, name string) Span {
	if !t.Enabled(Steps) {
		return Span{}
	}
	t.emit(KindStep, n, steps, name, 0, nil)
	return Span{t: t, step: n, steps: steps, name: name, start: time.Now()}
}

// End records the end of the step and its duration.
func (s Span) End(fields ...Field) {
	if s.t == nil || !s.t.Enabled(Steps) {
		return
	}
	s.t.emit(KindEnd, s.step, s.steps, s.name, time.Since(s.start), fields)
}

// Action records something vitro did, with the values it used.
func (t *Tracer) Action(name string, fields ...Field) {
	if t.Enabled(Steps) {
		t.emit(KindAction, 0, 0, name, 0, fields)
	}
}

// Kernel records a syscall or a piece of kernel evidence.
func (t *Tracer) Kernel(name string, fields ...Field) {
	if t.Enabled(Kernel) {
		t.emit(KindKernel, 0, 0, name, 0, fields)
	}
}

// Shell records the shell command equivalent to the last action.
func (t *Tracer) Shell(cmd string) {
	if t.Enabled(Steps) {
		t.emit(KindShell, 0, 0, cmd, 0, nil)
	}
}

// Shellf is Shell with formatting. Its arguments are boxed even when
// tracing is off; guard hot paths with Enabled.
func (t *Tracer) Shellf(format string, args ...any) {
	if t.Enabled(Steps) {
		t.emit(KindShell, 0, 0, fmt.Sprintf(format, args...), 0, nil)
	}
}

var std atomic.Pointer[Tracer]

// Default returns the process-wide tracer that the package-level functions
// use. It is disabled until SetDefault installs one.
func Default() *Tracer { return std.Load() }

// SetDefault installs t as the process-wide tracer and returns the old one.
func SetDefault(t *Tracer) *Tracer { return std.Swap(t) }

// Enabled reports whether the default tracer records events of level l.
func Enabled(l Level) bool { return std.Load().Enabled(l) }

// Step records a step on the default tracer.
func Step(n, steps int, name string) Span { return std.Load().Step(n, steps, name) }

// Action records an action on the default tracer.
func Action(name string, fields ...Field) { std.Load().Action(name, fields...) }

// KernelEvent records a syscall or kernel evidence on the default tracer.
func KernelEvent(name string, fields ...Field) { std.Load().Kernel(name, fields...) }

// Shell records a shell equivalent on the default tracer.
func Shell(cmd string) { std.Load().Shell(cmd) }

// Shellf records a formatted shell equivalent on the default tracer.
func Shellf(format string, args ...any) {
	if t := std.Load(); t.Enabled(Steps) {
		t.Shellf(format, args...)
	}
}
