package reexec

import (
	"encoding/json"
	"os"
	"strconv"

	"github.com/vitro-dev/vitro/internal/trace"
)

// A child's trace events belong in the parent's trace: one stream, in the
// format and to the file the user chose. Launch passes the parent's
// trace level in the environment; Child installs a tracer at that level
// whose sink sends each event over the sync socket as a "trace" message;
// the parent's Receive records them on its own tracer as they arrive and
// never returns them to its caller.
//
//	child: trace.Action("mount", ...) ──▶ {"type":"trace","data":{...}} ──▶ parent: trace.Action("mount", ...)
//
// A child must not emit events while the parent waits in ReceiveFile,
// which reads the socket directly.
const traceLevelEnv = "VITRO_TRACE_LEVEL"

const msgTrace = "trace"

// traceEvent is one event crossing from child to parent.
type traceEvent struct {
	Kind   string      `json:"kind"`
	Name   string      `json:"name"`
	Fields [][2]string `json:"fields,omitempty"`
}

// forwardSink is a child's trace sink: it sends every event to the parent.
type forwardSink struct{ p *Pipe }

func (s forwardSink) Emit(e *trace.Event) {
	ev := traceEvent{Kind: e.Kind.String(), Name: e.Name}
	for _, f := range e.Fields {
		ev.Fields = append(ev.Fields, [2]string{f.Key, f.Value()})
	}
	s.p.Send(msgTrace, ev)
}

func (forwardSink) Close() error { return nil }

// traceEnv is the environment entry that passes the parent's level on.
func traceEnv() (string, bool) {
	l := trace.Default().Level()
	if l == trace.Off {
		return "", false
	}
	return traceLevelEnv + "=" + strconv.Itoa(int(l)), true
}

// forwardTrace installs the forwarding tracer in a child, when the parent
// traces.
func forwardTrace(p *Pipe) {
	l, err := strconv.Atoi(os.Getenv(traceLevelEnv))
	os.Unsetenv(traceLevelEnv)
	if err == nil && l > 0 {
		trace.SetDefault(trace.New(trace.Level(l), forwardSink{p}))
	}
}

// replay records a child's event on this process's tracer.
func replay(data json.RawMessage) {
	var ev traceEvent
	if json.Unmarshal(data, &ev) != nil {
		return
	}
	fs := make([]trace.Field, 0, len(ev.Fields))
	for _, f := range ev.Fields {
		fs = append(fs, trace.Str(f[0], f[1]))
	}
	switch ev.Kind {
	case "action":
		trace.Action(ev.Name, fs...)
	case "kernel":
		trace.KernelEvent(ev.Name, fs...)
	case "shell":
		trace.Shell(ev.Name)
	}
}
