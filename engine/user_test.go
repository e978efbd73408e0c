package engine

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLookupUser(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/passwd"), []byte("root:x:0:0:root:/root:/bin/sh\nwww:x:33:33:www:/var/www:/bin/false\n"), 0o644)
	os.WriteFile(filepath.Join(root, "etc/group"), []byte("root:x:0:\nwww:x:33:\nstaff:x:50:www\n"), 0o644)
	cases := map[string]Identity{
		"":          {UID: 0, GID: 0, Home: "/root"},
		"www":       {UID: 33, GID: 33, Home: "/var/www", Groups: []uint32{50}},
		"33:staff":  {UID: 33, GID: 50, Home: "/var/www"},
		"1000":      {UID: 1000, GID: 1000, Home: "/"},
		"1000:1001": {UID: 1000, GID: 1001, Home: "/"},
	}
	for spec, want := range cases {
		got, err := lookupUser(root, spec)
		if err != nil || got.UID != want.UID || got.GID != want.GID || got.Home != want.Home || len(got.Groups) != len(want.Groups) {
			t.Errorf("lookupUser(%q) = %+v, %v; want %+v", spec, got, err, want)
		}
	}
	for _, bad := range []string{"nobody-here", "www:nogroup"} {
		if _, err := lookupUser(root, bad); err == nil {
			t.Errorf("lookupUser(%q) accepted", bad)
		}
	}
}
