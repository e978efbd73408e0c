package lessons

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocsUpToDate fails when docs/lessons drifts from the lessons:
// regenerate with go run ./lessons/gen docs/lessons.
func TestDocsUpToDate(t *testing.T) {
	files, err := DocFiles()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("..", "docs", "lessons")
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(got) != want {
			t.Errorf("docs/lessons/%s is out of date: run go run ./lessons/gen docs/lessons", name)
		}
	}
	have, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	for _, p := range have {
		if _, ok := files[filepath.Base(p)]; !ok {
			t.Errorf("docs/lessons/%s belongs to no lesson: run go run ./lessons/gen docs/lessons", filepath.Base(p))
		}
	}
}

func TestDocsHaveNoTemplates(t *testing.T) {
	files, err := DocFiles()
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range files {
		if strings.Contains(c, "{{") {
			t.Errorf("%s keeps a template: %q", name, c[strings.Index(c, "{{"):][:40])
		}
	}
}
