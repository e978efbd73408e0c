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
