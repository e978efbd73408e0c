package fsdemo

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOverlayPlan(t *testing.T) {
	m, err := Overlay([]string{"/l2", "/l1"}, "/u", "/w", "/m")
	if err != nil {
		t.Fatal(err)
	}
	if m.Type != "overlay" || m.Target != "/m" || m.Data != "lowerdir=/l2:/l1,upperdir=/u,workdir=/w" {
		t.Errorf("Overlay = %+v", m)
	}
	ro, err := Overlay([]string{"/a", "/b"}, "", "", "/m")
	if err != nil || ro.Data != "lowerdir=/a:/b" {
		t.Errorf("read-only overlay = %+v, %v", ro, err)
	}
}

func TestOverlayBadInput(t *testing.T) {
	many := make([]string, MaxOverlayLayers+1)
	for i := range many {
		many[i] = fmt.Sprintf("/l/%d", i)
	}
	for _, c := range []struct {
		lowers            []string
		upper, work, targ string
		want              string
	}{
		{nil, "/u", "/w", "/m", "no lower layers"},
		{[]string{"/l"}, "/u", "", "/m", "give both"},
		{[]string{"/l"}, "", "", "/m", "two or more"},
		{[]string{"rel"}, "/u", "/w", "/m", "not an absolute path"},
		{[]string{"/a:b"}, "/u", "/w", "/m", "contains ':'"},
		{[]string{"/l"}, "/u", "/w", "m", "target \"m\""},
		{many, "/u", "/w", "/m", "at most 500"},
	} {
		_, err := Overlay(c.lowers, c.upper, c.work, c.targ)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Overlay(%d lowers, %q, %q, %q) = %v, want %q", len(c.lowers), c.upper, c.work, c.targ, err, c.want)
		}
	}
}

func TestRelativeOverlayData(t *testing.T) {
	base := "/var/lib/vitro/layers"
	var lowers []string
	for i := range 100 {
		lowers = append(lowers, fmt.Sprintf("%s/sha256-%064d/fs", base, i))
	}
	m, err := Overlay(lowers, base+"/c/upper", base+"/c/work", "/merged")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Data) < 4096 {
		t.Fatalf("test data is %d bytes: too short to need the relative form", len(m.Data))
	}
	dir, rel, err := relativeOverlayData(m.Data)
	if err != nil {
		t.Fatal(err)
	}
	if dir != base {
		t.Errorf("common dir = %q, want %q", dir, base)
	}
	if !strings.HasPrefix(rel, "lowerdir=sha256-") || !strings.HasSuffix(rel, ",upperdir="+base+"/c/upper,workdir="+base+"/c/work") {
		t.Errorf("relative data = %.120q ... %q", rel, rel[len(rel)-40:])
	}
	ls, _ := overlayOptions(rel)
	if len(ls) != 100 || filepath.Join(dir, ls[99]) != lowers[99] {
		t.Errorf("relative lowers do not map back: %d, %q", len(ls), ls[len(ls)-1])
	}
}

func TestCheckRootfs(t *testing.T) {
	d := t.TempDir()
	f := filepath.Join(d, "file")
	os.WriteFile(f, nil, 0o644)
	for _, c := range []struct{ dir, want string }{
		{filepath.Join(d, "missing"), "does not exist"},
		{f, "is a regular file, not a directory"},
		{"", "no directory given"},
	} {
		err := CheckRootfs(c.dir)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.dir) {
			t.Errorf("CheckRootfs(%q) = %v, want %q", c.dir, err, c.want)
		}
	}
	if err := CheckRootfs(d); err != nil {
		t.Errorf("CheckRootfs(a directory) = %v", err)
	}
}
