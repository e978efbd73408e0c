package lessons

import (
	"strings"

	"charm.land/glamour/v2"
	"charm.land/glamour/v2/styles"
	"github.com/charmbracelet/x/ansi"
)

// Markdown is rendered with glamour (goldmark underneath): it handles the
// CommonMark a lesson uses — headings, lists, code, tables, emphasis —
// wraps to the terminal's width and keeps tables aligned, which a
// hand-written renderer would get wrong at the edges. Version 2: version
// 1's word wrap left single words alone on a line next to inline code.
// On a terminal it uses the dark style; elsewhere (pipes, files, tests)
// the same layout with every escape sequence stripped.

// Renderer turns a lesson's Markdown into terminal text.
type Renderer struct {
	tr    *glamour.TermRenderer
	plain bool // strip the escape sequences (colour, bold)
}

// NewRenderer makes a renderer for a terminal (colour) or not (plain),
// wrapping at width columns (80 if width <= 0, at most 100).
func NewRenderer(terminal bool, width int) (*Renderer, error) {
	if width <= 0 {
		width = 80
	}
	if width > 100 {
		width = 100
	}
	// A fixed style rather than one chosen by asking the terminal for its
	// background colour, an answer some terminals never send.
	st := styles.DarkStyleConfig
	if !terminal {
		// Without its background colour, inline code's padding would
		// only leave double spaces.
		st.Code.Prefix, st.Code.Suffix = "", ""
	}
	tr, err := glamour.NewTermRenderer(glamour.WithStyles(st), glamour.WithWordWrap(width))
	if err != nil {
		return nil, err
	}
	return &Renderer{tr: tr, plain: !terminal}, nil
}

// Render renders md, falling back to the source if glamour fails.
func (r *Renderer) Render(md string) string {
	out, err := r.tr.Render(reflow(md))
	if err != nil {
		return md + "\n"
	}
	if r.plain {
		out = ansi.Strip(out)
	}
	// glamour pads every line to the wrap width and frames the document
	// with blank lines: trim both.
	lines := strings.Split(strings.Trim(out, "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return "\n" + strings.Join(lines, "\n") + "\n"
}

// reflow joins the source's soft line breaks, so that glamour wraps each
// paragraph and list item to the terminal as a whole (inside list items
// it would keep the source's breaks beside its own). Code blocks, tables,
// headings and the first line of each block are left alone.
func reflow(md string) string {
	var out []string
	inFence := false
	for _, line := range strings.Split(md, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "```") {
			inFence = !inFence
			out = append(out, line)
			continue
		}
		if inFence || t == "" || len(out) == 0 || startsBlock(t) {
			out = append(out, line)
			continue
		}
		prev := strings.TrimSpace(out[len(out)-1])
		if prev == "" || strings.HasPrefix(prev, "#") || strings.HasPrefix(prev, "|") || strings.HasPrefix(prev, "```") || strings.HasSuffix(out[len(out)-1], "  ") {
			out = append(out, line)
			continue
		}
		out[len(out)-1] += " " + t
	}
	return strings.Join(out, "\n")
}

// startsBlock tells whether a trimmed line begins a Markdown block of its
// own: a heading, list item, quote, table row or fence.
func startsBlock(t string) bool {
	switch {
	case strings.HasPrefix(t, "#"), strings.HasPrefix(t, ">"), strings.HasPrefix(t, "|"),
		strings.HasPrefix(t, "- "), strings.HasPrefix(t, "* "), strings.HasPrefix(t, "+ "):
		return true
	}
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	return i > 0 && i+1 < len(t) && t[i] == '.' && t[i+1] == ' '
}
