package lessons

import (
	"strings"

	"github.com/mattn/go-runewidth"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
)

// Markdown is parsed with goldmark (CommonMark, plus GitHub's tables) and
// drawn for a terminal by the small renderer below: headings, paragraphs
// and list items wrapped to the width, code kept as written, tables
// aligned. A full terminal renderer (glamour) was used first; it pulled in
// a syntax highlighter whose package initialisation cost every vitro
// process, container inits included, about 12 ms at start-up.
//
// On a terminal, headings are bold and cyan, emphasis bold or italic,
// code cyan; elsewhere (pipes, files, tests) the same layout, plain.

// Renderer turns a lesson's Markdown into terminal text.
type Renderer struct {
	width int
	color bool
	md    goldmark.Markdown
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
	return &Renderer{width: width, color: terminal, md: goldmark.New(goldmark.WithExtensions(extension.Table))}, nil
}

// Render renders md: a blank line, the blocks separated by blank lines,
// a final newline.
func (r *Renderer) Render(md string) string {
	src := []byte(md)
	doc := r.md.Parser().Parse(text.NewReader(src))
	w := &mdWriter{r: r, src: src}
	w.blocks(doc, "", "")
	return "\n" + strings.TrimRight(w.sb.String(), "\n") + "\n"
}

const (
	sgrBold   = "\x1b[1m"
	sgrItalic = "\x1b[3m"
	sgrCode   = "\x1b[36m"
	sgrDim    = "\x1b[2m"
	sgrReset  = "\x1b[0m"
)

type mdWriter struct {
	r   *Renderer
	src []byte
	sb  strings.Builder
}

func (w *mdWriter) style(sgr, s string) string {
	if !w.r.color || s == "" {
		return s
	}
	return sgr + s + sgrReset
}

// blocks writes n's children, each line prefixed: first before a
// block's first line, rest before the others (list bullets, quotes).
func (w *mdWriter) blocks(n ast.Node, first, rest string) {
	i := 0
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if i > 0 {
			w.sb.WriteString(strings.TrimRight(rest, " ") + "\n")
			first = rest
		}
		w.block(c, first, rest)
		i++
	}
}

func (w *mdWriter) block(n ast.Node, first, rest string) {
	switch n := n.(type) {
	case *ast.Heading:
		t := w.inline(n)
		if n.Level <= 2 {
			w.lines(first, rest, []string{w.style(sgrBold+"\x1b[36m", t.plainAndStyled(w))})
			mark := "="
			if n.Level == 2 {
				mark = "-"
			}
			w.lines(rest, rest, []string{w.style(sgrDim, strings.Repeat(mark, runewidth.StringWidth(t.plain())))})
			return
		}
		w.lines(first, rest, []string{w.style(sgrBold, t.plainAndStyled(w))})
	case *ast.Paragraph, *ast.TextBlock:
		w.lines(first, rest, w.wrap(w.inline(n), w.r.width-runewidth.StringWidth(first)))
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		var ls []string
		for i := 0; i < n.Lines().Len(); i++ {
			seg := n.Lines().At(i)
			ls = append(ls, w.style(sgrCode, strings.TrimRight(string(seg.Value(w.src)), "\n")))
		}
		w.lines(first+"    ", rest+"    ", ls)
	case *ast.List:
		num := n.Start
		j := 0
		for item := n.FirstChild(); item != nil; item = item.NextSibling() {
			if j > 0 && !n.IsTight {
				w.sb.WriteString(strings.TrimRight(rest, " ") + "\n")
			}
			bullet := "• "
			if n.IsOrdered() {
				bullet = itoa(num) + ". "
				num++
			}
			pad := strings.Repeat(" ", runewidth.StringWidth(bullet))
			f := rest + bullet
			if j == 0 {
				f = first + bullet
			}
			w.listItem(item, f, rest+pad)
			j++
		}
	case *ast.Blockquote:
		w.blocks(n, first+"│ ", rest+"│ ")
	case *ast.ThematicBreak:
		w.lines(first, rest, []string{w.style(sgrDim, strings.Repeat("─", w.r.width/2))})
	case *east.Table:
		w.table(n, first, rest)
	case *ast.HTMLBlock:
		var ls []string
		for i := 0; i < n.Lines().Len(); i++ {
			seg := n.Lines().At(i)
			ls = append(ls, strings.TrimRight(string(seg.Value(w.src)), "\n"))
		}
		w.lines(first, rest, ls)
	default:
		w.blocks(n, first, rest)
	}
}

// listItem writes an item's blocks, tight: no blank line between its
// paragraph and a nested list.
func (w *mdWriter) listItem(item ast.Node, first, rest string) {
	for c := item.FirstChild(); c != nil; c = c.NextSibling() {
		w.block(c, first, rest)
		first = rest
	}
}

func (w *mdWriter) lines(first, rest string, ls []string) {
	for i, l := range ls {
		p := rest
		if i == 0 {
			p = first
		}
		w.sb.WriteString(strings.TrimRight(p+l, " ") + "\n")
	}
}

// span is a run of inline text with one style.
type span struct {
	text string
	sgr  string
}

type spans []span

func (s spans) plain() string {
	var b strings.Builder
	for _, x := range s {
		b.WriteString(x.text)
	}
	return b.String()
}

func (s spans) plainAndStyled(w *mdWriter) string {
	var b strings.Builder
	for _, x := range s {
		b.WriteString(w.style(x.sgr, x.text))
	}
	return b.String()
}

// inline flattens n's inline children into styled spans; soft line
// breaks become spaces, so that a paragraph is wrapped as a whole.
func (w *mdWriter) inline(n ast.Node) spans {
	var out spans
	var walk func(n ast.Node, sgr string)
	walk = func(n ast.Node, sgr string) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch c := c.(type) {
			case *ast.Text:
				out = append(out, span{string(c.Segment.Value(w.src)), sgr})
				if c.SoftLineBreak() || c.HardLineBreak() {
					out = append(out, span{" ", sgr})
				}
			case *ast.String:
				out = append(out, span{string(c.Value), sgr})
			case *ast.CodeSpan:
				var b strings.Builder
				for t := c.FirstChild(); t != nil; t = t.NextSibling() {
					if tx, ok := t.(*ast.Text); ok {
						b.Write(tx.Segment.Value(w.src))
					}
				}
				out = append(out, span{b.String(), sgrCode})
			case *ast.Emphasis:
				s := sgrItalic
				if c.Level >= 2 {
					s = sgrBold
				}
				walk(c, s)
			case *ast.Link:
				walk(c, sgr)
				if dest := string(c.Destination); dest != "" && !strings.HasPrefix(dest, "#") {
					out = append(out, span{" (" + dest + ")", sgrDim})
				}
			case *ast.AutoLink:
				out = append(out, span{string(c.URL(w.src)), sgr})
			case *ast.RawHTML:
				for i := 0; i < c.Segments.Len(); i++ {
					seg := c.Segments.At(i)
					out = append(out, span{string(seg.Value(w.src)), sgr})
				}
			default:
				walk(c, sgr)
			}
		}
	}
	walk(n, "")
	return out
}

// wrap fills lines up to width columns, breaking only at spaces, so that
// inline code and command names stay whole.
func (w *mdWriter) wrap(s spans, width int) []string {
	if width < 20 {
		width = 20
	}
	type word struct {
		plain, styled string
	}
	var words []word
	var cur word
	flush := func() {
		if cur.plain != "" {
			words = append(words, cur)
		}
		cur = word{}
	}
	for _, sp := range s {
		parts := strings.Split(sp.text, " ")
		for i, p := range parts {
			if i > 0 {
				flush()
			}
			if p != "" {
				cur.plain += p
				cur.styled += w.style(sp.sgr, p)
			}
		}
	}
	flush()
	var lines []string
	var line strings.Builder
	col := 0
	for _, wd := range words {
		n := runewidth.StringWidth(wd.plain)
		if col > 0 && col+1+n > width {
			lines = append(lines, line.String())
			line.Reset()
			col = 0
		}
		if col > 0 {
			line.WriteByte(' ')
			col++
		}
		line.WriteString(wd.styled)
		col += n
	}
	if col > 0 {
		lines = append(lines, line.String())
	}
	return lines
}

// table draws a GitHub table with its columns aligned, the header bold
// and underlined.
func (w *mdWriter) table(t *east.Table, first, rest string) {
	var rows [][]spans
	for r := t.FirstChild(); r != nil; r = r.NextSibling() {
		var row []spans
		for c := r.FirstChild(); c != nil; c = c.NextSibling() {
			row = append(row, w.inline(c))
		}
		rows = append(rows, row)
	}
	var widths []int
	for _, row := range rows {
		for i, c := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			if n := runewidth.StringWidth(c.plain()); n > widths[i] {
				widths[i] = n
			}
		}
	}
	var ls []string
	for ri, row := range rows {
		var b strings.Builder
		for i, c := range row {
			cell := c.plainAndStyled(w)
			if ri == 0 {
				cell = w.style(sgrBold, c.plain())
			}
			b.WriteString(cell)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-runewidth.StringWidth(c.plain())+2))
			}
		}
		ls = append(ls, b.String())
		if ri == 0 {
			var u []string
			for _, n := range widths {
				u = append(u, strings.Repeat("─", n))
			}
			ls = append(ls, w.style(sgrDim, strings.Join(u, "  ")))
		}
	}
	w.lines(first, rest, ls)
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
