package lessons

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// The web version of the lessons, docs/lessons/, is generated from the
// same Markdown the player shows: `go run ./lessons/gen docs/lessons`
// (make docs). A live step becomes a note naming the vitro command that
// shows it, since a web page cannot run it; TestDocsUpToDate fails when
// the committed pages drift from the lessons.

// DocFiles returns the generated pages, file name to content.
func DocFiles() (map[string]string, error) {
	all, err := All()
	if err != nil {
		return nil, err
	}
	files := map[string]string{"README.md": docIndex(all)}
	for _, l := range all {
		files[docName(l)] = docLesson(l)
	}
	return files, nil
}

// WriteDocs writes the pages into dir, removing pages of lessons that no
// longer exist.
func WriteDocs(dir string) error {
	files, err := DocFiles()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	for _, p := range old {
		if _, keep := files[filepath.Base(p)]; !keep {
			if err := os.Remove(p); err != nil {
				return err
			}
		}
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// docStudent is the example student of the web pages: the single user of
// a machine with the default data root. It reads and writes no state.
var docStudent = &Student{DataRoot: "/var/lib/vitro", example: true}

func docName(l *Lesson) string { return fmt.Sprintf("%02d-%s.md", l.Number, l.ID) }

const docHeader = "<!-- Generated from lessons/content by `go run ./lessons/gen docs/lessons`. Do not edit. -->\n\n"

func docIndex(all []*Lesson) string {
	var b strings.Builder
	b.WriteString(docHeader)
	b.WriteString("# vitro lessons\n\n")
	b.WriteString("A guided course in container internals. Each lesson runs live demos against the kernel it\n")
	b.WriteString("is played on (`vitro lesson N`), and has a lab that is checked by reading kernel state\n")
	b.WriteString("(`vitro lab start ID`, `vitro lab check ID`). These pages are the lessons' text for reading on the web.\n\n")
	b.WriteString("| # | lesson | minutes | lab |\n|---|---|---|---|\n")
	for _, l := range all {
		fmt.Fprintf(&b, "| %d | [%s](%s) | %d | %s |\n", l.Number, l.Title, docName(l), l.Minutes, strings.Join(l.Labs, ", "))
	}
	b.WriteString("\nClassroom mode: `--student NAME` or `VITRO_STUDENT=NAME` keeps each student's progress, lab\n")
	b.WriteString("objects (hostnames, cgroups, links, namespaces, subnet) and files apart; `vitro lab report` shows\n")
	b.WriteString("the instructor who passed which check.\n")
	return b.String()
}

func docLesson(l *Lesson) string {
	var b strings.Builder
	b.WriteString(docHeader)
	fmt.Fprintf(&b, "# Lesson %d: %s\n\n", l.Number, l.Title)
	fmt.Fprintf(&b, "*About %d minutes.", l.Minutes)
	if len(l.Prerequisites) > 0 {
		fmt.Fprintf(&b, " After: %s.", strings.Join(l.Prerequisites, ", "))
	}
	fmt.Fprintf(&b, " Play it with `vitro lesson %s`.*\n\n", l.ID)
	if l.Summary != "" {
		b.WriteString("> " + l.Summary + "\n\n")
	}
	for i, s := range l.Steps {
		if i > 0 || s.Title != "Introduction" {
			fmt.Fprintf(&b, "## %s\n\n", s.Title)
		}
		for _, blk := range s.Blocks {
			if blk.Kind == DemoStep {
				b.WriteString(docDemo(blk))
			} else {
				b.WriteString(strings.TrimSpace(blockMarkdown(blk)) + "\n\n")
			}
		}
	}
	for _, id := range l.Labs {
		lab, ok := LookupLab(id)
		if !ok {
			continue
		}
		fmt.Fprintf(&b, "## Lab: %s\n\n", lab.Title)
		fmt.Fprintf(&b, "`vitro lab start %s` prepares it; `vitro lab check %s` checks it against the kernel;\n", lab.ID, lab.ID)
		fmt.Fprintf(&b, "`vitro lab hint %s` and `vitro lab solution %s` help; `vitro lab reset %s` cleans up.\n", lab.ID, lab.ID, lab.ID)
		e, err := lab.Env(docStudent)
		if err != nil {
			b.WriteString(placeholders(strings.TrimSpace(lab.Task)) + "\n\n")
			continue
		}
		b.WriteString("The names below are a single user's (no `--student`, data root " + docStudent.DataRoot + ");\n")
		b.WriteString("`vitro lab start` prints yours.\n\n")
		b.WriteString(strings.TrimSpace(e.Expand(lab.Task)) + "\n\n")
		b.WriteString("<details><summary>One solution</summary>\n\n```sh\n" + strings.TrimSpace(e.Expand(lab.Solution)) + "\n```\n\n</details>\n\n")
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

func docDemo(blk Block) string {
	d, _ := LookupDemo(blk.Demo)
	var b strings.Builder
	b.WriteString("> **Live step** `" + blk.Demo + "`")
	if d.Summary != "" {
		b.WriteString(": " + d.Summary)
	}
	b.WriteString(".  \n> The lesson runs it here, on your kernel")
	if d.Command != "" {
		b.WriteString("; `" + d.Command + "` shows the same on its own")
	}
	b.WriteString(".\n\n")
	if d.Shell != "" {
		b.WriteString(blockMarkdown(Block{Kind: Equivalent, Text: d.Shell}) + "\n")
	}
	return b.String()
}

var (
	withBlock = regexp.MustCompile(`\{\{with [^}]*\}\}.*?\{\{end\}\}\n?`)
	varRef    = regexp.MustCompile(`\{\{\.([A-Za-z]+)\}\}`)
)

// placeholders turns a lab template into text with ‹name› placeholders.
func placeholders(s string) string {
	s = withBlock.ReplaceAllString(s, "")
	return varRef.ReplaceAllStringFunc(s, func(m string) string {
		return "‹" + strings.ToLower(varRef.FindStringSubmatch(m)[1]) + "›"
	})
}
