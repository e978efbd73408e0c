package vm

import (
	"strings"
	"testing"
)

func TestInitScript(t *testing.T) {
	g := Guest{
		CgroupV2: true,
		Modules:  []Module{{Name: "llc"}, {Name: "stp"}},
		Env:      map[string]string{"B": "two words", "A": "1"},
		Programs: []Program{
			{Name: "one.test", Path: "/vitro/bin/one.test", Args: []string{"-test.v", "-test.run=It's"}},
			{Path: "/bin/false"},
		},
	}
	s := g.InitScript()
	if !strings.HasPrefix(s, "#!/bin/busybox sh\n") {
		t.Errorf("no busybox shebang:\n%s", s)
	}
	order := []string{
		"echo " + MarkerUserspace,
		"exec switch_root /newroot /init",
		"mount -t proc proc /proc",
		"mount -t cgroup2",
		"insmod /lib/modules/llc.ko",
		"insmod /lib/modules/stp.ko",
		"export A=1\n",
		"export B='two words'",
		"echo VITRO-VM-RUN one.test",
		`/vitro/bin/one.test -test.v '-test.run=It'\''s' </dev/null`,
		"echo VITRO-VM-RESULT one.test $s",
		"echo VITRO-VM-RUN false",
		"echo VITRO-VM-EXIT $rc",
		"poweroff -f",
	}
	at := 0
	for _, want := range order {
		i := strings.Index(s[at:], want)
		if i < 0 {
			t.Fatalf("%q missing or out of order in:\n%s", want, s)
		}
		at += i + len(want)
	}
}

func TestInitScriptWithoutCgroup2(t *testing.T) {
	s := Guest{}.InitScript()
	if strings.Contains(s, "cgroup2") {
		t.Errorf("cgroup2 mounted though not asked:\n%s", s)
	}
	if !strings.Contains(s, "echo VITRO-VM-EXIT $rc") {
		t.Errorf("no exit marker:\n%s", s)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{"plain": "plain", "": "''", "a b": "'a b'", "it's": `'it'\''s'`, "$x": "'$x'"} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
