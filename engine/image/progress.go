package image

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Printer shows pull progress the way docker does: on a terminal one
// line per layer with a bar, redrawn in place; otherwise one line per layer
// when it is done, so logs stay readable.
type Printer struct {
	// Complete replaces the status "Pull complete" (load says "Loaded").
	Complete string

	w     io.Writer
	tty   bool
	mu    sync.Mutex
	ids   []string
	state map[string]*layerState
	drawn int // lines drawn last time (TTY)
	last  time.Time
}

type layerState struct {
	status         string
	current, total int64
	printed        bool
}

// NewPrinter returns a Printer writing to w; tty selects the bars.
func NewPrinter(w io.Writer, tty bool) *Printer {
	return &Printer{w: w, tty: tty, state: map[string]*layerState{}}
}

func (p *Printer) final(status string) bool {
	return status == "Pull complete" || status == "Already exists" || status == "Failed" || (p.Complete != "" && status == p.Complete)
}

// Update implements Progress.
func (p *Printer) Update(id, status string, current, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if status == "Pull complete" && p.Complete != "" {
		status = p.Complete
	}
	st, ok := p.state[id]
	if !ok {
		st = &layerState{}
		p.state[id] = st
		p.ids = append(p.ids, id)
	}
	changed := st.status != status
	st.status, st.current, st.total = status, current, total
	if !p.tty {
		if p.final(status) && !st.printed {
			st.printed = true
			fmt.Fprintf(p.w, "%s: %s\n", id, status)
		}
		return
	}
	if changed || time.Since(p.last) > 100*time.Millisecond {
		p.draw()
	}
}

// Done draws the final state.
func (p *Printer) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		p.draw()
	}
}

func (p *Printer) draw() {
	p.last = time.Now()
	var b strings.Builder
	if p.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", p.drawn)
	}
	for _, id := range p.ids {
		st := p.state[id]
		b.WriteString("\x1b[2K" + id + ": " + st.status)
		if st.status == "Downloading" && st.total > 0 {
			b.WriteString(" " + bar(st.current, st.total, 30) + " " + HumanSize(st.current) + "/" + HumanSize(st.total))
		}
		b.WriteString("\n")
	}
	p.drawn = len(p.ids)
	io.WriteString(p.w, b.String())
}

func bar(cur, total int64, width int) string {
	if cur > total {
		cur = total
	}
	n := int(cur * int64(width) / total)
	s := strings.Repeat("=", n)
	if n < width {
		s += ">" + strings.Repeat(" ", width-n-1)
	}
	return "[" + s + "]"
}

// HumanSize prints bytes as docker does: 1.2MB, 345kB (powers of 1000).
func HumanSize(n int64) string {
	units := []string{"B", "kB", "MB", "GB", "TB"}
	f := float64(n)
	i := 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%dB", n)
	}
	return fmt.Sprintf("%.3g%s", f, units[i])
}
