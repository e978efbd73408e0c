package lessons

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/vitro-dev/vitro/internal/reexec"
)

// TestMain lets the test binary be re-executed as the lessons' children.
func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}

func TestAllLessonsParse(t *testing.T) {
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 {
		t.Fatal("no lessons embedded")
	}
	ids := map[string]bool{}
	for _, l := range all {
		ids[l.ID] = true
	}
	for _, l := range all {
		for _, p := range l.Prerequisites {
			if !ids[p] {
				t.Errorf("lesson %s: prerequisite %q is not a lesson", l.ID, p)
			}
		}
		for _, lab := range l.Labs {
			if _, ok := LookupLab(lab); !ok {
				t.Errorf("lesson %s: lab %q does not exist", l.ID, lab)
			}
		}
		for _, s := range l.Steps {
			for _, b := range s.Blocks {
				if b.Kind != DemoStep {
					continue
				}
				if _, ok := LookupDemo(b.Demo); !ok && Pending(b.Demo) == "" {
					t.Errorf("lesson %s step %q: demo %q is neither registered nor pending", l.ID, s.Title, b.Demo)
				}
			}
		}
	}
}

func TestParse(t *testing.T) {
	src := "---\nid: x\ntitle: X\nminutes: 3\n---\nIntro text.\n\n## First\nSome *prose*.\n\n```demo ns.uts hostname=a\nextra=1\n```\n\n```try\n$ hostname\nLook for a.\n```\n\n```sh\nplain code\n```\n## Second\n```equivalent\nunshare --uts\n```\n"
	l, err := Parse("x.md", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Steps) != 3 || l.Steps[0].Title != "Introduction" || l.Steps[1].Title != "First" {
		t.Fatalf("steps = %+v", l.Steps)
	}
	b := l.Steps[1].Blocks
	if len(b) != 4 || b[1].Kind != DemoStep || b[1].Demo != "ns.uts" || b[1].Options["hostname"] != "a" || b[1].Options["extra"] != "1" {
		t.Fatalf("blocks = %+v", b)
	}
	if b[2].Kind != TryIt || b[2].Commands[0] != "hostname" || b[2].Text != "Look for a." {
		t.Errorf("try = %+v", b[2])
	}
	if b[3].Kind != Prose || !strings.Contains(b[3].Text, "plain code") {
		t.Errorf("ordinary fence not kept as prose: %+v", b[3])
	}
	if l.Steps[2].Blocks[0].Kind != Equivalent {
		t.Errorf("equivalent = %+v", l.Steps[2].Blocks)
	}
}

func TestParseErrors(t *testing.T) {
	for name, src := range map[string]string{
		"no front matter": "# hi\n",
		"unclosed":        "---\nid: x\n",
		"missing title":   "---\nid: x\nminutes: 1\n---\n## a\ntext\n",
		"unknown key":     "---\nid: x\ntitle: X\nminutes: 1\ncolour: red\n---\n## a\ntext\n",
		"bad option":      "---\nid: x\ntitle: X\nminutes: 1\n---\n## a\n```demo ns.uts oops\n```\n",
		"try without $":   "---\nid: x\ntitle: X\nminutes: 1\n---\n## a\n```try\nno command\n```\n",
		"open fence":      "---\nid: x\ntitle: X\nminutes: 1\n---\n## a\n```sh\nls\n",
	} {
		if _, err := Parse(name, []byte(src)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestFind(t *testing.T) {
	l, err := Find("1")
	if err != nil || l.Number != 1 {
		t.Fatalf("Find(1) = %v, %v", l, err)
	}
	if l2, err := Find(l.ID); err != nil || l2 != l {
		t.Fatalf("Find(%s) = %v, %v", l.ID, l2, err)
	}
	for _, bad := range []string{"0", "999", "nosuch"} {
		if _, err := Find(bad); err == nil {
			t.Errorf("Find(%q): no error", bad)
		}
	}
}

func TestStudentNames(t *testing.T) {
	for _, ok := range []string{"", "alice", "b2"} {
		if _, err := NewStudent(ok, t.TempDir()); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"Alice", "toolongname", "a-b", "1a", "../x"} {
		if _, err := NewStudent(bad, t.TempDir()); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestProgressRoundTrip(t *testing.T) {
	st, _ := NewStudent("pat", t.TempDir())
	if err := st.SaveLesson("why", LessonProgress{Step: 2, Steps: 4}); err != nil {
		t.Fatal(err)
	}
	p, err := st.LoadProgress()
	if err != nil || p.Lessons["why"].Step != 2 {
		t.Fatalf("%+v %v", p, err)
	}
	other, _ := NewStudent("sam", st.DataRoot)
	if p, _ := other.LoadProgress(); len(p.Lessons) != 0 {
		t.Errorf("students share progress: %+v", p)
	}
}

func TestPlayerPausesAndQuits(t *testing.T) {
	l := &Lesson{ID: "t", Title: "T", Minutes: 1, Number: 1, Steps: []Step{
		{Title: "one", Blocks: []Block{{Kind: Prose, Text: "alpha"}}},
		{Title: "two", Blocks: []Block{{Kind: Prose, Text: "beta"}}},
		{Title: "three", Blocks: []Block{{Kind: Prose, Text: "gamma"}}},
	}}
	st, _ := NewStudent("", t.TempDir())
	r, _ := NewRenderer(false, 80)
	var out strings.Builder
	p := &Player{Out: &out, Render: r, Student: st, Keys: NewKeySource(strings.NewReader("\nq\n"))}
	res, err := p.Play(context.Background(), l, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Quit || res.Finished != 1 || strings.Contains(out.String(), "gamma") || !strings.Contains(out.String(), "beta") {
		t.Fatalf("res %+v\n%s", res, out.String())
	}
	prog, _ := st.LoadProgress()
	if got := prog.Lessons["t"]; got.Step != 1 || got.Done {
		t.Fatalf("progress %+v", got)
	}
	out.Reset()
	p.Keys = NewKeySource(strings.NewReader("\n\n"))
	res, err = p.Play(context.Background(), l, 2)
	if err != nil || res.Quit || res.Finished != 3 || strings.Contains(out.String(), "alpha") || !strings.Contains(out.String(), "Resuming") {
		t.Fatalf("res %+v %v\n%s", res, err, out.String())
	}
	prog, _ = st.LoadProgress()
	if !prog.Lessons["t"].Done {
		t.Fatalf("not done: %+v", prog.Lessons["t"])
	}
}

// TestEveryDemoIsPlayed keeps the registry and the lessons in step: a
// registered demo that no lesson plays would go untested.
func TestEveryDemoIsPlayed(t *testing.T) {
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, l := range all {
		for _, s := range l.Steps {
			for _, b := range s.Blocks {
				used[b.Demo] = true
			}
		}
	}
	for _, d := range DemoNames() {
		if !used[d] {
			t.Errorf("demo %s is registered but no lesson plays it", d)
		}
	}
}

func TestEveryLessonHasALab(t *testing.T) {
	all, _ := All()
	for _, l := range all {
		if len(l.Labs) == 0 {
			t.Errorf("lesson %s has no lab", l.ID)
		}
	}
	for _, lab := range Labs() {
		if _, err := Find(lab.Lesson); err != nil {
			t.Errorf("lab %s: %v", lab.ID, err)
		}
	}
}

// TestLabTextsExpand fills every lab's texts for a single user and for a
// classroom student: no template may be left.
func TestLabTextsExpand(t *testing.T) {
	for _, st := range []*Student{{DataRoot: "/var/lib/vitro", example: true}, {Name: "amy", DataRoot: "/var/lib/vitro", example: true}} {
		for _, l := range Labs() {
			e, err := l.Env(st)
			if err != nil {
				t.Fatalf("%s: %v", l.ID, err)
			}
			texts := []string{l.Task, l.Solution}
			for _, c := range l.Checks {
				texts = append(texts, c.Name, c.Hint)
			}
			for _, x := range texts {
				if got := e.Expand(x); strings.Contains(got, "{{") || strings.Contains(got, "<no value>") {
					t.Errorf("%s (student %q): %q", l.ID, st.Name, got)
				}
			}
		}
	}
}

func TestRender(t *testing.T) {
	in := "# Title\n\nA paragraph with **bold**, *emphasis* and `inline-code --flag`\nthat goes on across source lines and is long enough to be wrapped.\n\n" +
		"1. an item\n   that goes on\n2. another\n\n```sh\nkeep   this\n  as written\n```\n\n| a | longer b |\n|---|---|\n| 1 | 2 |\n"
	r, _ := NewRenderer(false, 40)
	got := r.Render(in)
	want := `
Title
=====

A paragraph with bold, emphasis and
inline-code --flag that goes on across
source lines and is long enough to be
wrapped.

1. an item that goes on
2. another

    keep   this
      as written

a  longer b
─  ────────
1  2
`
	if got != want {
		t.Errorf("plain render:\n%s\nwant:\n%s", got, want)
	}
	col, _ := NewRenderer(true, 40)
	if c := col.Render(in); !strings.Contains(c, "\x1b[1mbold\x1b[0m") || strings.Contains(c, "**") {
		t.Errorf("terminal render lacks bold or keeps Markdown markers:\n%q", c)
	}
}
