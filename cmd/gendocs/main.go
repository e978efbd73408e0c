package main

import (
	"fmt"
	"os"
	"path/filepath"

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
	if err := cmd.GenerateDocs(dir); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}
