package engine

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestResolveArgv(t *testing.T) {
	empty := ""
	sh := "/bin/sh"
	cases := []struct {
		ep, cmd    []string
		flagEP     *string
		args, want []string
	}{
		{nil, []string{"sh"}, nil, nil, []string{"sh"}},
		{nil, []string{"sh"}, nil, []string{"echo", "hi"}, []string{"echo", "hi"}},
		{[]string{"/entry"}, []string{"--default"}, nil, nil, []string{"/entry", "--default"}},
		{[]string{"/entry"}, []string{"--default"}, nil, []string{"x"}, []string{"/entry", "x"}},
		{[]string{"/entry"}, []string{"--default"}, &sh, nil, []string{"/bin/sh"}},
		{[]string{"/entry"}, []string{"--default"}, &empty, []string{"ls"}, []string{"ls"}},
	}
	for _, c := range cases {
		got, err := resolveArgv(c.ep, c.cmd, c.flagEP, c.args)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("resolveArgv(%v, %v, %v, %v) = %v, %v; want %v", c.ep, c.cmd, c.flagEP, c.args, got, err, c.want)
		}
	}
	if _, err := resolveArgv(nil, nil, nil, nil); err == nil {
		t.Error("no command accepted")
	}
}

func TestMergeEnv(t *testing.T) {
	f := filepath.Join(t.TempDir(), "env")
	os.WriteFile(f, []byte("# comment\nA=file\n\nB=2\n"), 0o644)
	t.Setenv("FROM_HOST", "h")
	got, err := mergeEnv([]string{"PATH=/bin", "A=image"}, []string{f}, []string{"B=flag", "FROM_HOST", "UNSET_VAR_X"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"PATH=/bin", "A=file", "B=flag", "FROM_HOST=h"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v want %v", got, want)
	}
	os.WriteFile(f, []byte("not a var\n"), 0o644)
	if _, err := mergeEnv(nil, []string{f}, nil); err == nil {
		t.Error("bad env file accepted")
	}
}

func TestResolveCaps(t *testing.T) {
	caps, err := ResolveCaps([]string{"net_admin"}, []string{"CAP_MKNOD"}, false)
	if err != nil {
		t.Fatal(err)
	}
	has := map[string]bool{}
	for _, c := range caps {
		has[c] = true
	}
	if !has["NET_ADMIN"] || has["MKNOD"] || len(caps) != len(DefaultCaps) {
		t.Fatalf("caps = %v", caps)
	}
	if _, err := ResolveCaps([]string{"FLY"}, nil, false); err == nil {
		t.Error("unknown capability accepted")
	}
	none, _ := ResolveCaps(nil, []string{"ALL"}, false)
	if len(none) != 0 {
		t.Errorf("--cap-drop ALL left %v", none)
	}
}
