package lessons

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// Player plays a lesson in a terminal: each step's prose, its live demos
// run in place, then a pause until the student presses Enter (or q).
type Player struct {
	Out      io.Writer
	Keys     KeySource // nil: never pause (--no-pause)
	Render   *Renderer
	Student  *Student // where progress is saved; nil saves nothing
	Terminal bool     // Out is a terminal: use a little colour in headers
}

// PlayResult says how a play ended.
type PlayResult struct {
	Lesson   string `json:"lesson"`
	From     int    `json:"from"`     // first step shown, from 1
	Finished int    `json:"finished"` // steps finished
	Steps    int    `json:"steps"`
	Quit     bool   `json:"quit"` // the student pressed q
	Failed   int    `json:"failed"`
}

// Play shows lesson l from step from (1-based) to the end, or until the
// student quits or ctx is cancelled. Progress is saved after every step.
func (p *Player) Play(ctx context.Context, l *Lesson, from int) (PlayResult, error) {
	res := PlayResult{Lesson: l.ID, From: from, Steps: len(l.Steps), Finished: from - 1}
	if from < 1 || from > len(l.Steps) {
		return res, fmt.Errorf("lesson %s has steps 1 to %d, not %d", l.ID, len(l.Steps), from)
	}
	if from == 1 {
		p.header(l)
	} else {
		fmt.Fprintf(p.Out, "Resuming lesson %d (%s) at step %d of %d. Use --restart to begin again.\n", l.Number, l.ID, from, len(l.Steps))
	}
	for i := from; i <= len(l.Steps); i++ {
		res.Failed += p.showStep(ctx, l, i)
		if err := ctx.Err(); err != nil { // Ctrl-C during the step
			fmt.Fprintf(p.Out, "\nInterrupted in step %d of %d; `%s` resumes there.\n", i, len(l.Steps), p.resumeCommand(l))
			p.save(l, res.Finished, false)
			return res, err
		}
		last := i == len(l.Steps)
		if p.Keys != nil && !last {
			fmt.Fprintf(p.Out, "\n%s\n", p.dim(fmt.Sprintf("── step %d of %d · Enter: next step · q: quit ──", i, len(l.Steps))))
			next, err := p.Keys.Next(ctx)
			if err != nil {
				return res, err
			}
			if !next {
				res.Quit = true
				fmt.Fprintf(p.Out, "\nStopped at step %d of %d; `%s` resumes here.\n", i, len(l.Steps), p.resumeCommand(l))
				return res, p.save(l, res.Finished, false)
			}
		}
		res.Finished = i
		if err := p.save(l, i, last); err != nil {
			return res, err
		}
	}
	fmt.Fprintf(p.Out, "\n%s\n", p.bold(fmt.Sprintf("Lesson %d (%s) complete.", l.Number, l.ID)))
	if len(l.Labs) > 0 {
		fmt.Fprintf(p.Out, "Practise with a lab: vitro lab start %s\n", l.Labs[0])
	}
	return res, nil
}

func (p *Player) save(l *Lesson, finished int, done bool) error {
	if p.Student == nil {
		return nil
	}
	prev, err := p.Student.LoadProgress()
	if err != nil {
		return err
	}
	if old := prev.Lessons[l.ID]; old.Done {
		done = true // replaying a finished lesson does not undo it
	}
	return p.Student.SaveLesson(l.ID, LessonProgress{Step: finished, Steps: len(l.Steps), Done: done})
}

func (p *Player) header(l *Lesson) {
	fmt.Fprintf(p.Out, "%s\n", p.bold(fmt.Sprintf("Lesson %d · %s", l.Number, l.Title)))
	fmt.Fprintf(p.Out, "about %d minutes · %d steps", l.Minutes, len(l.Steps))
	if len(l.Prerequisites) > 0 {
		fmt.Fprintf(p.Out, " · after: %s", strings.Join(l.Prerequisites, ", "))
	}
	fmt.Fprintln(p.Out)
}

// showStep prints step i and runs its demos; it returns how many failed.
func (p *Player) showStep(ctx context.Context, l *Lesson, i int) int {
	s := l.Steps[i-1]
	fmt.Fprintf(p.Out, "\n%s\n", p.bold(fmt.Sprintf("━━ %d/%d · %s ━━", i, len(l.Steps), s.Title)))
	failed := 0
	for _, b := range s.Blocks {
		if ctx.Err() != nil {
			return failed // interrupted: Play reports it
		}
		switch b.Kind {
		case DemoStep:
			if !p.showDemo(ctx, b) {
				failed++
			}
		case TryIt, Equivalent:
			p.showCommands(b)
		default:
			fmt.Fprint(p.Out, p.Render.Render(blockMarkdown(b)))
		}
	}
	return failed
}

func (p *Player) showDemo(ctx context.Context, b Block) bool {
	d, _ := LookupDemo(b.Demo)
	title := "live: " + b.Demo
	if d.Summary != "" {
		title += " — " + d.Summary
	}
	fmt.Fprintf(p.Out, "\n%s\n\n", p.bold("▶ "+title))
	r, err := RunDemo(ctx, b)
	if err != nil {
		fmt.Fprintf(p.Out, "  ✗ %v\n", err)
		return false
	}
	var sb strings.Builder
	if err := r.WriteText(&sb); err != nil {
		fmt.Fprintf(p.Out, "  ✗ rendering %s: %v\n", b.Demo, err)
		return false
	}
	for _, line := range strings.Split(strings.TrimRight(sb.String(), "\n"), "\n") {
		fmt.Fprintln(p.Out, strings.TrimRight("  "+line, " \t"))
	}
	fmt.Fprintf(p.Out, "\n  %s\n", "What the kernel said:")
	ev := r.Evidence()
	writeEvidence(p.Out, ev)
	for _, e := range ev {
		if !e.OK {
			return false
		}
	}
	return true
}

// showCommands prints a try or equivalent block with its commands as
// they are, unwrapped, so that they can be copied into a shell.
func (p *Player) showCommands(b Block) {
	var lines []string
	if b.Kind == TryIt {
		fmt.Fprintf(p.Out, "\n  %s\n\n", p.bold("▷ Try it yourself (in another terminal):"))
		for _, c := range b.Commands {
			lines = append(lines, "$ "+c)
		}
	} else {
		fmt.Fprintf(p.Out, "\n  %s\n\n", p.bold("Shell equivalent (what vitro did, with util-linux and iproute2):"))
		lines = strings.Split(b.Text, "\n")
	}
	for _, l := range lines {
		fmt.Fprintln(p.Out, "      "+l)
	}
	if b.Kind == TryIt && b.Text != "" {
		fmt.Fprint(p.Out, p.Render.Render("*Look for:* "+b.Text))
	}
}

// blockMarkdown turns a non-demo block into Markdown for the renderer and
// for the web docs.
func blockMarkdown(b Block) string {
	switch b.Kind {
	case TryIt:
		var sb strings.Builder
		sb.WriteString("**Try it yourself** (in another terminal):\n\n```sh\n")
		for _, c := range b.Commands {
			sb.WriteString("$ " + c + "\n")
		}
		sb.WriteString("```\n")
		if b.Text != "" {
			sb.WriteString("\n*Look for:* " + b.Text + "\n")
		}
		return sb.String()
	case Equivalent:
		return "**Shell equivalent** (what vitro did, with util-linux and iproute2):\n\n```sh\n" + b.Text + "\n```\n"
	}
	return b.Text
}

func (p *Player) bold(s string) string {
	if !p.Terminal {
		return s
	}
	return "\x1b[1m" + s + "\x1b[0m"
}

func (p *Player) dim(s string) string {
	if !p.Terminal {
		return s
	}
	return "\x1b[2m" + s + "\x1b[0m"
}

// resumeCommand is the command that plays l again from where it stopped,
// for this student.
func (p *Player) resumeCommand(l *Lesson) string {
	if p.Student != nil && p.Student.Name != "" {
		return "vitro lesson --student " + p.Student.Name + " " + l.ID
	}
	return "vitro lesson " + l.ID
}
