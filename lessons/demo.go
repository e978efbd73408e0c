package lessons

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// Result is what a live step returns. The player prints WriteText in
// place; --format json marshals the Result value itself (so it must be a
// struct with exported fields); tests check Evidence, the kernel facts the
// step promises, each judged against what was read while it ran.
type Result interface {
	WriteText(w io.Writer) error
	Evidence() []Evidence
}

// Evidence is one fact a live step promises, with what the kernel said.
type Evidence struct {
	Claim    string `json:"claim"`    // "the hostname set inside is not the host's"
	Observed string `json:"observed"` // "inside lab, host build-7"
	OK       bool   `json:"ok"`
}

// Demo is a live step a lesson can name in a ```demo block.
type Demo struct {
	Name    string // "ns.uts": group and demo, as `vitro ns uts`
	Summary string // one line, for docs and listings
	Command string // the vitro command that shows the same, for docs
	// Shell is the shell equivalent, for the web docs (a live step
	// prints the one its result carries).
	Shell string
	Run   func(ctx context.Context, opts Options) (Result, error)
}

// Options are a demo block's key=value options.
type Options map[string]string

// String returns the option or def.
func (o Options) String(key, def string) string {
	if v, ok := o[key]; ok {
		return v
	}
	return def
}

// Int returns the option as an integer, or def.
func (o Options) Int(key string, def int) (int, error) {
	v, ok := o[key]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("option %s=%q: want an integer", key, v)
	}
	return n, nil
}

var demos = map[string]Demo{}

// pending names demos a lesson uses whose package has not been wired in
// yet, and what they wait for. The player says so instead of inventing
// output; the tests list them.
var pending = map[string]string{}

// register adds a live demo; called from init functions.
func register(d Demo) {
	if _, dup := demos[d.Name]; dup {
		panic("lessons: demo registered twice: " + d.Name)
	}
	demos[d.Name] = d
}

// LookupDemo returns the demo called name.
func LookupDemo(name string) (Demo, bool) {
	d, ok := demos[name]
	return d, ok
}

// DemoNames lists the registered demos.
func DemoNames() []string {
	var n []string
	for k := range demos {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Pending reports why a demo is not available, or "" if it is unknown.
func Pending(name string) string { return pending[name] }

// RunDemo runs the demo a block names.
func RunDemo(ctx context.Context, b Block) (Result, error) {
	d, ok := demos[b.Demo]
	if !ok {
		if why := pending[b.Demo]; why != "" {
			return nil, fmt.Errorf("live step %s is not wired in yet (%s)", b.Demo, why)
		}
		return nil, fmt.Errorf("no live demo %q (known: %s)", b.Demo, strings.Join(DemoNames(), ", "))
	}
	return d.Run(ctx, Options(b.Options))
}

// evidence builds an Evidence; a shorthand for the demo adapters.
func evidence(ok bool, claim, observedFormat string, args ...any) Evidence {
	return Evidence{Claim: claim, Observed: fmt.Sprintf(observedFormat, args...), OK: ok}
}

// writeEvidence prints the checked facts under a demo's output.
func writeEvidence(w io.Writer, ev []Evidence) {
	for _, e := range ev {
		mark := "✓"
		if !e.OK {
			mark = "✗"
		}
		fmt.Fprintf(w, "  %s %s: %s\n", mark, e.Claim, e.Observed)
	}
}
