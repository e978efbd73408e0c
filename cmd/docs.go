package cmd

import (
	"os"

	"github.com/spf13/cobra/doc"
)

// GenerateDocs writes the CLI reference, one Markdown file per command,
// into dir. `make docs` runs it; TestCLIDocsUpToDate fails when the
// committed reference drifts from the code.
func GenerateDocs(dir string) error {
	root := NewRoot()
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
