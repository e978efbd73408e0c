package depcheck

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/vitro-dev/vitro/"

// forbidden maps a top-level directory to the top-level packages its code
// (including tests) must not import.
var forbidden = map[string][]string{
	"nsdemo":     {"engine", "lessons", "cmd"},
	"cgroupdemo": {"engine", "lessons", "cmd"},
	"fsdemo":     {"engine", "lessons", "cmd"},
	"netdemo":    {"engine", "lessons", "cmd"},
	"internal":   {"engine", "lessons", "cmd", "nsdemo", "cgroupdemo", "fsdemo", "netdemo"},
	"engine":     {"lessons", "cmd"},
	"lessons":    {"cmd"},
}

// imports returns, for each Go file under dir, the module-local
// top-level packages it imports.
func imports(t *testing.T, dir string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if rest, ok := strings.CutPrefix(p, module); ok {
				top, _, _ := strings.Cut(rest, "/")
				out[path] = append(out[path], top)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDependenciesPointOneWay(t *testing.T) {
	for dir, bad := range forbidden {
		for file, tops := range imports(t, filepath.Join("..", "..", dir)) {
			// This package may look anywhere; tests under internal may
			// exercise a demo package (the VM harness runs cgroupdemo's).
			if strings.Contains(file, "depcheck") || (dir == "internal" && strings.HasSuffix(file, "_test.go")) {
				continue
			}
			for _, top := range tops {
				for _, b := range bad {
					if top == b {
						t.Errorf("%s imports %s: %s must not depend on %s", file, top, dir, b)
					}
				}
			}
		}
	}
}

// TestCheckerSeesImports guards the guard: if the walk found nothing, the
// test above would pass vacuously.
func TestCheckerSeesImports(t *testing.T) {
	found := false
	for _, tops := range imports(t, filepath.Join("..", "..", "engine")) {
		for _, top := range tops {
			if top == "nsdemo" || top == "cgroupdemo" {
				found = true
			}
		}
	}
	if !found {
		t.Fatal("found no engine → demo import: the import walk is broken")
	}
}
