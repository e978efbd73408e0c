package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"github.com/vitro-dev/vitro/lessons"
	"golang.org/x/term"
)

type lessonOptions struct {
	student string
	format  string
	noPause bool
	restart bool
	step    int
}

func init() {
	register(func(root *cobra.Command, g *Globals) {
		var o lessonOptions
		c := &cobra.Command{
			Use:   "lesson [N|ID]",
			Short: "List the guided lessons, or play one",
			Long: `Without an argument, list the lessons with your progress. With a number or an
id, play that lesson: its text, rendered for the terminal, with live steps that
run vitro's demos against this kernel in place, and "try it yourself" prompts
for a second terminal. The lesson pauses after every step: Enter goes on, q
quits. Progress is saved per student under the data root, and playing the
lesson again resumes where you stopped.

Classroom: --student NAME (or VITRO_STUDENT) keeps each student's progress apart.`,
			Example: `  vitro lesson
  vitro lesson 1
  vitro lesson pid --restart
  vitro lesson uts --no-pause
  vitro lesson cgroups --format json`,
			Args: cobra.MaximumNArgs(1),
			RunE: func(c *cobra.Command, args []string) error {
				st, err := studentFor(g, o.student)
				if err != nil {
					return err
				}
				if len(args) == 0 {
					return listLessons(c.OutOrStdout(), o.format, st)
				}
				return playLesson(c, args[0], st, &o)
			},
		}
		f := c.Flags()
		f.StringVar(&o.student, "student", "", "student name (classroom mode; default $"+lessons.StudentEnv+")")
		f.BoolVar(&o.noPause, "no-pause", false, "play every step without waiting for Enter (for scripts)")
		f.BoolVar(&o.restart, "restart", false, "begin at step 1 instead of where you stopped")
		f.IntVar(&o.step, "step", 0, "begin at this step")
		f.StringVar(&o.format, "format", "", "listing: table, json or a Go template; playing: text (default) or json (the lesson with every live output)")
		root.AddCommand(c)
	})
}

// studentFor resolves --student, then VITRO_STUDENT.
func studentFor(g *Globals, flag string) (*lessons.Student, error) {
	name := flag
	if name == "" {
		name = os.Getenv(lessons.StudentEnv)
	}
	st, err := lessons.NewStudent(name, g.Config.DataRoot)
	if err != nil {
		return nil, fmt.Errorf("--student: %w", err)
	}
	return st, nil
}

// LessonRow is one line of `vitro lesson`.
type LessonRow struct {
	Number   int    `json:"number"`
	ID       string `json:"id"`
	Title    string `json:"title"`
	Minutes  int    `json:"minutes"`
	Steps    int    `json:"steps"`
	Finished int    `json:"finished"`
	Done     bool   `json:"done"`
	Labs     []string
}

func listLessons(w io.Writer, format string, st *lessons.Student) error {
	all, err := lessons.All()
	if err != nil {
		return err
	}
	prog, err := st.LoadProgress()
	if err != nil {
		return err
	}
	var rows []LessonRow
	for _, l := range all {
		p := prog.Lessons[l.ID]
		rows = append(rows, LessonRow{Number: l.Number, ID: l.ID, Title: l.Title, Minutes: l.Minutes, Steps: len(l.Steps), Finished: p.Step, Done: p.Done, Labs: l.Labs})
	}
	return render(w, format, rows, func() *Table {
		t := &Table{Header: []string{"#", "id", "title", "min", "progress", "labs"}}
		for _, r := range rows {
			prog := "-"
			switch {
			case r.Done:
				prog = "done"
			case r.Finished > 0:
				prog = fmt.Sprintf("%d/%d", r.Finished, r.Steps)
			}
			labs := ""
			for i, l := range r.Labs {
				if i > 0 {
					labs += " "
				}
				labs += l
			}
			t.Append(fmt.Sprint(r.Number), r.ID, r.Title, fmt.Sprint(r.Minutes), prog, labs)
		}
		return t
	})
}

func playLesson(c *cobra.Command, ref string, st *lessons.Student, o *lessonOptions) error {
	l, err := lessons.Find(ref)
	if err != nil {
		return err
	}
	w := c.OutOrStdout()
	switch o.format {
	case "json":
		t, err := lessons.Record(c.Context(), l)
		if err != nil {
			return err
		}
		if err := renderJSON(w, t); err != nil {
			return err
		}
		if t.Failed > 0 {
			return silentError{code: 1}
		}
		return nil // a transcript for a script is no student's progress
	case "", "text":
	default:
		return fmt.Errorf("--format %q: a lesson plays as text or json", o.format)
	}
	from := 1
	prog, err := st.LoadProgress()
	if err != nil {
		return err
	}
	if p, ok := prog.Lessons[l.ID]; ok && !o.restart && !o.noPause && !p.Done && p.Step < len(l.Steps) {
		from = p.Step + 1
	}
	if o.step != 0 {
		from = o.step
	}
	termOut := isTerminal(w)
	width := 80
	if f, ok := w.(*os.File); ok && termOut {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 20 {
			width = cols - 2
		}
	}
	r, err := lessons.NewRenderer(termOut, width)
	if err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		fmt.Fprintln(c.ErrOrStderr(), "note: the live steps make namespaces, cgroups, mounts and links, which needs root: run vitro with sudo to see them")
	}
	p := &lessons.Player{Out: w, Render: r, Student: st, Terminal: termOut}
	if !o.noPause {
		p.Keys = lessons.NewKeySource(c.InOrStdin())
	}
	res, err := p.Play(c.Context(), l, from)
	if errors.Is(err, context.Canceled) {
		return silentError{code: 130} // Ctrl-C: the player said where it stopped
	}
	if err != nil {
		return err
	}
	if res.Failed > 0 {
		fmt.Fprintf(c.ErrOrStderr(), "vitro: %d live step(s) of lesson %s failed (see above)\n", res.Failed, l.ID)
		return silentError{code: 1}
	}
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
