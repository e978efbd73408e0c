package trace

import (
	"io"
	"testing"
)

// BenchmarkDisabled is the cost every call site pays when tracing is off.
func BenchmarkDisabled(b *testing.B) {
	tr := New(Off, nil)
	b.ReportAllocs()
	for b.Loop() {
		tr.Action("mount", Str("target", "/merged"), Int("flags", 4096))
	}
}

// BenchmarkDisabledDefault is the same through the package-level tracer.
func BenchmarkDisabledDefault(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Action("mount", Str("target", "/merged"), Int("flags", 4096))
	}
}

// BenchmarkJSON is the cost of an event that is rendered.
func BenchmarkJSON(b *testing.B) {
	tr := New(Kernel, NewSink(FormatJSON, io.Discard))
	b.ReportAllocs()
	for b.Loop() {
		tr.Action("mount", Str("target", "/merged"), Int("flags", 4096))
	}
}
