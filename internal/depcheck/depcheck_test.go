package depcheck

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os/exec"
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
	"engine":     {"lessons", "cmd", "hostcheck"},
	"hostcheck":  {"lessons", "cmd"},
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

// mustNotLink maps a package to what it must not link, directly or not.
// The vitro binary stays small and quick to start: the VM harness (and xz,
// which it needs for Debian's modules) belongs to the vitro-vm helper and
// the VM tests, cobra's doc generator (with blackfriday and md2man) to
// cmd/gendocs. Host checks are not part of the runtime: the engine links
// neither the VM harness nor hostcheck.
var mustNotLink = map[string][]string{
	"cmd/vitro": {"internal/vm", "github.com/ulikunitz/xz", "github.com/spf13/cobra/doc",
		"github.com/russross/blackfriday", "github.com/cpuguy83/go-md2man"},
	"engine": {"internal/vm", "hostcheck"},
}

// deps returns every package pkg links, as go list -deps names them.
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	c := exec.Command("go", "list", "-deps", "./"+pkg)
	c.Dir = filepath.Join("..", "..")
	out, err := c.Output()
	if err != nil {
		t.Fatalf("go list -deps ./%s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

// matches reports whether dep is (or is inside) the package named by rule: a
// rule without a dot is module-local.
func matches(dep, rule string) bool {
	if !strings.Contains(rule, ".") {
		rule = module + rule
	}
	return dep == rule || strings.HasPrefix(dep, rule+"/")
}

func TestBinaryLinksNoHarness(t *testing.T) {
	for pkg, rules := range mustNotLink {
		for _, dep := range deps(t, pkg) {
			for _, r := range rules {
				if matches(dep, r) {
					t.Errorf("%s links %s (go list -deps ./%s | grep %s): keep %s out of it", pkg, dep, pkg, r, r)
				}
			}
		}
	}
}

// TestLinkCheckSeesDeps guards TestBinaryLinksNoHarness: the packages that
// are meant to link what vitro must not do show up in the same listing.
func TestLinkCheckSeesDeps(t *testing.T) {
	for pkg, want := range map[string]string{"cmd/gendocs": "github.com/spf13/cobra/doc", "internal/vm/cmd/vmtest": "internal/vm"} {
		found := false
		for _, dep := range deps(t, pkg) {
			found = found || matches(dep, want)
		}
		if !found {
			t.Errorf("go list -deps ./%s does not list %s: the link check is broken", pkg, want)
		}
	}
}
