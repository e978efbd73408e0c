package lessons

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// content holds the lessons, one Markdown file each, named NN-id.md so
// that the file order is the course order.
//
//go:embed content/*.md
var content embed.FS

var (
	loadOnce sync.Once
	loaded   []*Lesson
	loadErr  error
)

// All returns every lesson in course order, numbered from 1. A lesson
// that does not parse is a bug caught by the package's tests.
func All() ([]*Lesson, error) {
	loadOnce.Do(func() { loaded, loadErr = load(content) })
	return loaded, loadErr
}

func load(fsys fs.FS) ([]*Lesson, error) {
	names, err := fs.Glob(fsys, "content/*.md")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []*Lesson
	seen := map[string]bool{}
	for i, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		l, err := Parse(n, b)
		if err != nil {
			return nil, err
		}
		if seen[l.ID] {
			return nil, fmt.Errorf("lesson %s: id %q used twice", n, l.ID)
		}
		seen[l.ID] = true
		l.Number = i + 1
		out = append(out, l)
	}
	return out, nil
}

// Find returns the lesson named by its number ("3") or its id ("pid").
func Find(ref string) (*Lesson, error) {
	all, err := All()
	if err != nil {
		return nil, err
	}
	if n, err := strconv.Atoi(ref); err == nil {
		if n >= 1 && n <= len(all) {
			return all[n-1], nil
		}
		return nil, fmt.Errorf("no lesson %d: lessons are numbered 1 to %d (see vitro lesson)", n, len(all))
	}
	for _, l := range all {
		if l.ID == ref {
			return l, nil
		}
	}
	var ids []string
	for _, l := range all {
		ids = append(ids, l.ID)
	}
	return nil, fmt.Errorf("no lesson %q: give a number or one of %s", ref, strings.Join(ids, ", "))
}
