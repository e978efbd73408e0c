package testenv

import (
	"strings"
	"testing"
)

func TestNameFitsALinkName(t *testing.T) {
	n := Name("vtest")
	if len(n) > 15 || !strings.HasPrefix(n, "vtest") {
		t.Fatalf("Name(vtest) = %q", n)
	}
	if Name("vtest") != n {
		t.Fatal("Name is not stable within a process")
	}
}

// fakeTB records what RequireFile did instead of ending the test.
type fakeTB struct {
	testing.TB
	skipped, failed string
}

func (f *fakeTB) Helper()                        {}
func (f *fakeTB) Skipf(format string, a ...any)  { f.skipped = format }
func (f *fakeTB) Fatalf(format string, a ...any) { f.failed = format }

func TestRequireFile(t *testing.T) {
	for _, c := range []struct {
		path, require string
		skip, fail    bool
	}{
		{"/proc/self/status", "", false, false},
		{"/proc/self/status", "1", false, false},
		{"/no/such/file", "", true, false},
		{"/no/such/file", "1", false, true},
	} {
		t.Setenv(RequireEnv, c.require)
		f := &fakeTB{TB: t}
		RequireFile(f, c.path, "pkg")
		if (f.skipped != "") != c.skip || (f.failed != "") != c.fail {
			t.Errorf("RequireFile(%s) with %s=%q: skipped %v, failed %v; want skip %v, fail %v",
				c.path, RequireEnv, c.require, f.skipped != "", f.failed != "", c.skip, c.fail)
		}
	}
}
