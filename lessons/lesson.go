package lessons

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// A lesson's source is Markdown with YAML front matter:
//
//	---
//	id: uts
//	title: Hostnames of their own
//	minutes: 10
//	prerequisites: [why]
//	labs: [uts-hostname]
//	---
//	Introductory prose (the first step, when present).
//
//	## A step's title
//	Prose, tables, code ...
//
//	```demo ns.uts hostname=lab
//	```
//
//	```try
//	$ lsns -t uts
//	Two uts namespaces: the host's, and the one the demo made.
//	```
//
//	```equivalent
//	unshare --uts --fork sh -c 'hostname lab; hostname'
//	```
//
// Every "## " heading starts a step; the player pauses between steps. A
// fenced block whose info string is demo, try or equivalent is a special
// block; every other fence is ordinary Markdown.

// Lesson is one parsed lesson.
type Lesson struct {
	Number        int      `json:"number"`
	ID            string   `json:"id" yaml:"id"`
	Title         string   `json:"title" yaml:"title"`
	Minutes       int      `json:"minutes" yaml:"minutes"`
	Prerequisites []string `json:"prerequisites,omitempty" yaml:"prerequisites"`
	Labs          []string `json:"labs,omitempty" yaml:"labs"`
	Summary       string   `json:"summary" yaml:"summary"`
	Steps         []Step   `json:"steps"`
}

// Step is what the player shows between two pauses.
type Step struct {
	Title  string  `json:"title"`
	Blocks []Block `json:"blocks"`
}

// BlockKind says what a block is.
type BlockKind string

const (
	Prose      BlockKind = "prose"      // Markdown, rendered as it is
	DemoStep   BlockKind = "demo"       // a live demo, run when the step is shown
	TryIt      BlockKind = "try"        // commands for the student to type, and what to look for
	Equivalent BlockKind = "equivalent" // the shell commands that do what vitro did
)

// Block is one part of a step.
type Block struct {
	Kind BlockKind `json:"kind"`
	// Text is the Markdown of a prose block, the "look for" text of a try
	// block, or the commands of an equivalent block.
	Text string `json:"text,omitempty"`
	// Commands are what a try block asks the student to type.
	Commands []string `json:"commands,omitempty"`
	// Demo and Options name a live demo and its options.
	Demo    string            `json:"demo,omitempty"`
	Options map[string]string `json:"options,omitempty"`
}

// Parse reads one lesson's source; name is used in errors.
func Parse(name string, src []byte) (*Lesson, error) {
	front, body, err := splitFrontMatter(src)
	if err != nil {
		return nil, fmt.Errorf("lesson %s: %w", name, err)
	}
	l := &Lesson{}
	dec := yaml.NewDecoder(bytes.NewReader(front))
	dec.KnownFields(true)
	if err := dec.Decode(l); err != nil {
		return nil, fmt.Errorf("lesson %s: front matter: %w", name, err)
	}
	if l.ID == "" || l.Title == "" || l.Minutes <= 0 {
		return nil, fmt.Errorf("lesson %s: front matter needs id, title and minutes (> 0)", name)
	}
	if l.Steps, err = parseSteps(body); err != nil {
		return nil, fmt.Errorf("lesson %s: %w", name, err)
	}
	if len(l.Steps) == 0 {
		return nil, fmt.Errorf("lesson %s: no steps", name)
	}
	return l, nil
}

func splitFrontMatter(src []byte) (front, body []byte, err error) {
	s := string(src)
	if !strings.HasPrefix(s, "---\n") {
		return nil, nil, fmt.Errorf("no front matter: the file must begin with a line ---")
	}
	end := strings.Index(s[4:], "\n---\n")
	if end < 0 {
		return nil, nil, fmt.Errorf("front matter is not closed by a line ---")
	}
	return []byte(s[4 : 4+end+1]), []byte(s[4+end+5:]), nil
}

func parseSteps(body []byte) ([]Step, error) {
	var steps []Step
	cur := &Step{Title: "Introduction"}
	var prose strings.Builder
	flush := func() {
		if t := strings.TrimSpace(prose.String()); t != "" {
			cur.Blocks = append(cur.Blocks, Block{Kind: Prose, Text: t})
		}
		prose.Reset()
	}
	sc := bufio.NewScanner(bytes.NewReader(body))
	lineNo := 0
	for sc.Scan() {
		line := sc.Text()
		lineNo++
		switch {
		case strings.HasPrefix(line, "## "):
			flush()
			if len(cur.Blocks) > 0 {
				steps = append(steps, *cur)
			}
			cur = &Step{Title: strings.TrimSpace(line[3:])}
		case strings.HasPrefix(line, "```"):
			info := strings.Fields(strings.TrimPrefix(line, "```"))
			var content []string
			closed := false
			for sc.Scan() {
				lineNo++
				if strings.TrimSpace(sc.Text()) == "```" {
					closed = true
					break
				}
				content = append(content, sc.Text())
			}
			if !closed {
				return nil, fmt.Errorf("line %d: code block not closed", lineNo)
			}
			kind := ""
			if len(info) > 0 {
				kind = info[0]
			}
			b, special, err := specialBlock(kind, info, content)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", lineNo, err)
			}
			if !special {
				prose.WriteString(line + "\n" + strings.Join(content, "\n") + "\n```\n")
				continue
			}
			flush()
			cur.Blocks = append(cur.Blocks, b)
		default:
			prose.WriteString(line + "\n")
		}
	}
	flush()
	if len(cur.Blocks) > 0 {
		steps = append(steps, *cur)
	}
	return steps, sc.Err()
}

func specialBlock(kind string, info, content []string) (Block, bool, error) {
	switch BlockKind(kind) {
	case DemoStep:
		if len(info) < 2 {
			return Block{}, true, fmt.Errorf("demo block names no demo: write ```demo NAME key=value")
		}
		b := Block{Kind: DemoStep, Demo: info[1], Options: map[string]string{}}
		for _, kv := range append(info[2:], content...) {
			kv = strings.TrimSpace(kv)
			if kv == "" {
				continue
			}
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return Block{}, true, fmt.Errorf("demo %s: option %q is not key=value", b.Demo, kv)
			}
			b.Options[k] = v
		}
		return b, true, nil
	case TryIt:
		b := Block{Kind: TryIt}
		var look []string
		for _, l := range content {
			if c, ok := strings.CutPrefix(l, "$ "); ok {
				b.Commands = append(b.Commands, c)
			} else {
				look = append(look, l)
			}
		}
		if len(b.Commands) == 0 {
			return Block{}, true, fmt.Errorf("try block has no command: start command lines with \"$ \"")
		}
		b.Text = strings.TrimSpace(strings.Join(look, "\n"))
		return b, true, nil
	case Equivalent:
		return Block{Kind: Equivalent, Text: strings.Join(content, "\n")}, true, nil
	}
	return Block{}, false, nil
}
