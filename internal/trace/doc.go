// Package trace is the one tracing API every layer of vitro uses to show
// what it asks of the kernel.
//
// Events are emitted at the call site where a kernel object is made, with
// the values actually used. There are four kinds of event:
//
//	Step      a step header, such as "[3/6] rootfs", and its duration
//	Action    something vitro did ("mount overlay on /merged")
//	Kernel    a syscall or a piece of kernel evidence (an inode, a file read back)
//	Shell     the shell command a person would type to do the same
//
// Three levels decide what is recorded: Off (the default), Steps (steps,
// actions and shell equivalents: `--trace`) and Kernel (also syscalls and
// kernel evidence: `--trace=kernel`).
//
// A disabled tracer costs one branch per event: fields are typed values
// ([Str], [Int], [Hex], [Dur]) formatted only by the renderer, so a call like
//
//	trace.Action("mount", trace.Str("target", t), trace.Int("flags", f))
//
// does not allocate when tracing is off (see BenchmarkDisabled). Shell
// equivalents that must be built with fmt.Sprintf should be guarded with
// [Enabled] so that nobody pays for a string nobody reads.
//
// Renderers: human text (colour only on a terminal), JSON lines, and the
// Chrome Trace Event format, which Perfetto (ui.perfetto.dev) and
// chrome://tracing open.
package trace
