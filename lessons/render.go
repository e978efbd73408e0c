package lessons

import (
	"strings"

	"github.com/charmbracelet/glamour"
	"github.com/charmbracelet/glamour/styles"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
)

// Markdown is rendered with glamour (goldmark underneath): it handles the
// CommonMark a lesson uses — headings, lists, code, tables, emphasis —
// wraps to the terminal's width and keeps tables aligned, which a
// hand-written renderer would get wrong at the edges. On a terminal it
// uses the dark style; elsewhere (pipes, files, tests) plain ASCII with no
// escape sequences.

// Renderer turns a lesson's Markdown into terminal text.
type Renderer struct {
	tr    *glamour.TermRenderer
	plain bool // strip what escape sequences (bold, underline) remain
}

// NewRenderer makes a renderer for a terminal (colour) or not (plain),
// wrapping at width columns (80 if width <= 0).
func NewRenderer(terminal bool, width int) (*Renderer, error) {
	if width <= 0 {
		width = 80
	}
	if width > 100 {
		width = 100
	}
	// WithStandardStyle instead of WithAutoStyle: auto queries the
	// terminal's background colour, which waits for an answer some
	// terminals never send. Off a terminal the same layout is kept and
	// the colour profile drops every escape sequence.
	opts := []glamour.TermRendererOption{glamour.WithStandardStyle(styles.DarkStyle), glamour.WithWordWrap(width)}
	if !terminal {
		opts = append(opts, glamour.WithColorProfile(termenv.Ascii))
	}
	tr, err := glamour.NewTermRenderer(opts...)
	if err != nil {
		return nil, err
	}
	return &Renderer{tr: tr, plain: !terminal}, nil
}

// Render renders md, falling back to the source if glamour fails.
func (r *Renderer) Render(md string) string {
	out, err := r.tr.Render(md)
	if err != nil {
		return md + "\n"
	}
	// glamour pads every line to the wrap width and frames the document
	// with blank lines: trim both.
	if r.plain {
		out = ansi.Strip(out)
	}
	lines := strings.Split(strings.Trim(out, "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return "\n" + strings.Join(lines, "\n") + "\n"
}
