package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra/doc"
	"github.com/vitro-dev/vitro/cmd"
)

func main() {
	dir := "docs/cli"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	// Remove pages of commands that no longer exist.
	old, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	for _, f := range old {
		os.Remove(f)
	}
	if err := generate(dir); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

// generate writes the CLI reference, one Markdown file per command, into
// dir. It lives here, not in package cmd, so that cobra's doc generator
// (and the Markdown and man-page libraries it pulls in) stays out of the
// vitro binary. `make docs` runs it; TestCLIDocsUpToDate fails when the
// committed reference drifts from the code.
func generate(dir string) error {
	root := cmd.NewRoot()
	root.DisableAutoGenTag = true
	root.InitDefaultCompletionCmd() // cobra otherwise adds it only when executing
	for _, c := range root.Commands() {
		c.DisableAutoGenTag = true
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return doc.GenMarkdownTree(root, dir)
}
