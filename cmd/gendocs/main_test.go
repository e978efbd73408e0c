package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestCLIDocsUpToDate(t *testing.T) {
	dir := t.TempDir()
	if err := generate(dir); err != nil {
		t.Fatal(err)
	}
	committed, _ := filepath.Glob("../../docs/cli/*.md")
	generated, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	names := map[string]bool{}
	for _, f := range committed {
		names[filepath.Base(f)] = true
	}
	for _, f := range generated {
		n := filepath.Base(f)
		if !names[n] {
			t.Errorf("docs/cli/%s is missing: run make docs", n)
			continue
		}
		delete(names, n)
		want, _ := os.ReadFile(f)
		got, _ := os.ReadFile(filepath.Join("../../docs/cli", n))
		if !bytes.Equal(want, got) {
			t.Errorf("docs/cli/%s drifted from the code: run make docs", n)
		}
	}
	for n := range names {
		t.Errorf("docs/cli/%s documents a command that no longer exists: run make docs", n)
	}
}
