package cmd

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/vitro-dev/vitro/lessons"
)

func init() {
	register(func(root *cobra.Command, g *Globals) {
		var student string
		c := &cobra.Command{
			Use:   "lab",
			Short: "Hands-on labs, checked against the kernel's state",
			Long: `A lab is a task you do yourself, with ordinary tools (unshare, nsenter, ip,
mount, echo into cgroup files) or with vitro's demos. "vitro lab check" then
verifies it by reading the kernel's state: namespace inodes, cgroup files,
mountinfo, links and addresses. It never compares printed text. When a part is
wrong it says which, and gives a hint for that part.

  vitro lab list                  the labs, and which you passed
  vitro lab start ID              prepare the scenario and state the task
  vitro lab check ID              verify your work
  vitro lab hint ID               a hint for the first part not yet done
  vitro lab solution ID [--apply] the documented solution (or do it for you)
  vitro lab reset ID              remove everything the lab and you made
  vitro lab report                every student's results, for the instructor

Classroom: with --student NAME (or VITRO_STUDENT=NAME) every object a student
makes is prefixed with the name (hostnames, cgroups, links, namespaces), each
student gets their own subnet slice and data directory, and checks look only
at processes whose environment carries VITRO_STUDENT=NAME: export it in the
terminal where you work.`,
		}
		c.PersistentFlags().StringVar(&student, "student", "", "student name (classroom mode; default $"+lessons.StudentEnv+")")
		c.AddCommand(labList(g, &student), labStart(g, &student), labCheck(g, &student), labHint(g, &student),
			labSolution(g, &student), labReset(g, &student), labReport(g))
		root.AddCommand(c)
	})
}

// labEnv resolves the student and the lab.
func labEnv(g *Globals, student, id string) (*lessons.LabEnv, error) {
	st, err := studentFor(g, student)
	if err != nil {
		return nil, err
	}
	l, err := lessons.FindLab(id)
	if err != nil {
		return nil, err
	}
	return l.Env(st)
}

// LabRow is one line of `vitro lab list`.
type LabRow struct {
	ID      string `json:"id"`
	Lesson  string `json:"lesson"`
	Title   string `json:"title"`
	Started bool   `json:"started"`
	Passed  bool   `json:"passed"`
}

func labList(g *Globals, student *string) *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "list",
		Short: "List the labs with your status",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			st, err := studentFor(g, *student)
			if err != nil {
				return err
			}
			res, err := st.Results()
			if err != nil {
				return err
			}
			var rows []LabRow
			for _, l := range lessons.Labs() {
				e, err := l.Env(st)
				if err != nil {
					return err
				}
				rows = append(rows, LabRow{ID: l.ID, Lesson: l.Lesson, Title: l.Title, Started: e.Started(), Passed: res[l.ID].Passed})
			}
			return render(c.OutOrStdout(), format, rows, func() *Table {
				t := &Table{Header: []string{"id", "lesson", "status", "title"}}
				for _, r := range rows {
					s := "-"
					switch {
					case r.Passed:
						s = "passed"
					case r.Started:
						s = "started"
					}
					t.Append(r.ID, r.Lesson, s, r.Title)
				}
				return t
			})
		},
	}
	addFormatFlag(c, &format)
	return c
}

func labStart(g *Globals, student *string) *cobra.Command {
	return &cobra.Command{
		Use:   "start ID",
		Short: "Prepare a lab and state its task",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			e, err := labEnv(g, *student, args[0])
			if err != nil {
				return err
			}
			again := e.Started()
			task, err := e.Start(c.Context())
			if err != nil {
				return err
			}
			w := c.OutOrStdout()
			if again {
				fmt.Fprintf(w, "Lab %s is already started; its task again:\n\n", e.Lab.ID)
			}
			printMarkdown(w, fmt.Sprintf("## Lab %s: %s\n\n%s\n", e.Lab.ID, e.Lab.Title, task))
			if x := e.Vars["Export"]; x != "" {
				fmt.Fprintf(w, "\nClassroom: first run this in the terminal where you work:  %s\n", x)
			}
			fmt.Fprintf(w, "\nWhen done: vitro lab check %s   Stuck: vitro lab hint %s\n", e.Lab.ID, e.Lab.ID)
			return nil
		},
	}
}

func labCheck(g *Globals, student *string) *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "check ID",
		Short: "Check your work against the kernel's state",
		Long: `Check your work against the kernel's state. Exit status 0 when every part
passes, 1 when one does not (the table says which, with a hint).`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			e, err := labEnv(g, *student, args[0])
			if err != nil {
				return err
			}
			rs, pass, err := e.Check(c.Context())
			if err != nil {
				return err
			}
			w := c.OutOrStdout()
			out := struct {
				Lab     string                `json:"lab"`
				Student string                `json:"student"`
				Passed  bool                  `json:"passed"`
				Checks  []lessons.CheckResult `json:"checks"`
			}{e.Lab.ID, e.Student.Name, pass, rs}
			if err := render(w, format, out, func() *Table {
				t := &Table{Header: []string{"", "check", "found"}}
				for _, r := range rs {
					mark := "✓"
					if !r.OK {
						mark = "✗"
					}
					t.Append(mark, r.Name, r.Observed)
				}
				return t
			}); err != nil {
				return err
			}
			if format == "" || format == "table" {
				if pass {
					fmt.Fprintf(w, "\nLab %s passed. `vitro lab reset %s` removes what it made.\n", e.Lab.ID, e.Lab.ID)
				} else {
					for _, r := range rs {
						if !r.OK {
							fmt.Fprintf(w, "\nNot yet: %s.\nhint: %s\n", r.Name, r.Hint)
							break
						}
					}
				}
			}
			if !pass {
				return silentError{code: 1}
			}
			return nil
		},
	}
	addFormatFlag(c, &format)
	return c
}

func labHint(g *Globals, student *string) *cobra.Command {
	return &cobra.Command{
		Use:   "hint ID",
		Short: "A hint for the first part of the lab not yet done",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			e, err := labEnv(g, *student, args[0])
			if err != nil {
				return err
			}
			h, err := e.Hint(c.Context())
			if err != nil {
				return err
			}
			if h == "" {
				h = "Every check passes: nothing left to hint at."
			}
			fmt.Fprintln(c.OutOrStdout(), h)
			return nil
		},
	}
}

func labSolution(g *Globals, student *string) *cobra.Command {
	var apply bool
	c := &cobra.Command{
		Use:   "solution ID",
		Short: "Show the documented solution, or apply it with --apply",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			e, err := labEnv(g, *student, args[0])
			if err != nil {
				return err
			}
			w := c.OutOrStdout()
			if !apply {
				fmt.Fprintf(w, "# Lab %s: one way to do it\n%s\n", e.Lab.ID, strings.TrimSpace(e.Expand(e.Lab.Solution)))
				return nil
			}
			if err := e.ApplySolution(c.Context()); err != nil {
				return err
			}
			fmt.Fprintf(w, "Applied the solution of %s (the same effect as the commands of `vitro lab solution %s`).\nNow: vitro lab check %s\n", e.Lab.ID, e.Lab.ID, e.Lab.ID)
			return nil
		},
	}
	c.Flags().BoolVar(&apply, "apply", false, "do it, rather than show it")
	return c
}

func labReset(g *Globals, student *string) *cobra.Command {
	return &cobra.Command{
		Use:   "reset ID",
		Short: "Remove everything the lab and you made for it",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			e, err := labEnv(g, *student, args[0])
			if err != nil {
				return err
			}
			// Finish cleaning even if the user presses Ctrl-C again.
			ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Context()), time.Minute)
			defer cancel()
			removed, err := e.Reset(ctx)
			w := c.OutOrStdout()
			for _, r := range removed {
				fmt.Fprintln(w, "removed "+r)
			}
			if err != nil {
				return err
			}
			if len(removed) == 0 {
				fmt.Fprintf(w, "Lab %s: nothing to remove.\n", e.Lab.ID)
			}
			return nil
		},
	}
}

func labReport(g *Globals) *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "report",
		Short: "Every student's lab results, for the instructor",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			rows, err := lessons.Report(g.Config.DataRoot)
			if err != nil {
				return err
			}
			if rows == nil {
				rows = []lessons.ReportRow{}
			}
			return render(c.OutOrStdout(), format, rows, func() *Table {
				t := &Table{Header: []string{"student", "lab", "passed", "checks", "attempts", "failing", "last check"}}
				for _, r := range rows {
					t.Append(r.Student, r.Lab, fmt.Sprint(r.Passed), fmt.Sprintf("%d/%d", r.ChecksOK, r.Checks), fmt.Sprint(r.Attempts), r.Failing, r.LastCheck.Local().Format("15:04:05"))
				}
				return t
			})
		},
	}
	addFormatFlag(c, &format)
	return c
}

// printMarkdown renders Markdown for the terminal or plain output.
func printMarkdown(w io.Writer, md string) {
	r, err := lessons.NewRenderer(isTerminal(w), 80)
	if err != nil {
		fmt.Fprint(w, md)
		return
	}
	fmt.Fprint(w, r.Render(md))
}
