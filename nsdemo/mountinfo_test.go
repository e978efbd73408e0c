package nsdemo

import (
	"strings"
	"testing"
)

func TestParseMountTable(t *testing.T) {
	in := `22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
35 22 0:30 / /tmp/with\040space rw - tmpfs tmpfs rw,size=4096k
36 22 0:31 /sub /mnt rw master:4 - tmpfs none rw
`
	ms, err := ParseMountTable(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 3 {
		t.Fatalf("got %d entries", len(ms))
	}
	if ms[0].ID != 22 || ms[0].Parent != 1 || ms[0].Propagation != "shared:1" || ms[0].FSType != "ext4" || ms[0].Mountpoint != "/" || ms[0].Source != "/dev/sda1" {
		t.Errorf("root = %+v", ms[0])
	}
	if ms[1].Mountpoint != "/tmp/with space" || ms[1].Propagation != "private" {
		t.Errorf("escaped = %+v", ms[1])
	}
	if m, ok := FindMount(ms, "/mnt"); !ok || m.Propagation != "slave:4" || m.Root != "/sub" {
		t.Errorf("FindMount = %+v %v", m, ok)
	}
	if _, ok := FindMount(ms, "/nope"); ok {
		t.Error("found a mount that is not there")
	}
}

func TestPropagationWords(t *testing.T) {
	for in, want := range map[string]string{
		"":                    "private",
		"shared:5":            "shared:5",
		"master:2":            "slave:2",
		"shared:7 master:2":   "shared:7,slave:2",
		"unbindable":          "unbindable",
		"propagate_from:3 xx": "private",
	} {
		if got := propagation(in); got != want {
			t.Errorf("propagation(%q) = %q, want %q", in, got, want)
		}
	}
}
