package helperbin

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindNextToExecutable(t *testing.T) {
	t.Setenv(DirEnv, "")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The test binary itself is "next to the executable".
	got, err := Find(filepath.Base(exe))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := filepath.EvalSymlinks(exe)
	if got != want {
		t.Fatalf("Find = %q, want %q", got, want)
	}
}

func TestFindOverrideAndErrors(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(DirEnv, dir)
	if err := os.WriteFile(filepath.Join(dir, "vitro-x"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "vitro-plain"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if p, err := Find("vitro-x"); err != nil || p != filepath.Join(dir, "vitro-x") {
		t.Fatalf("Find(vitro-x) = %q, %v", p, err)
	}
	for name, want := range map[string]string{"vitro-absent": "make build", "vitro-plain": "not an executable"} {
		_, err := Find(name)
		if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), name) {
			t.Errorf("Find(%s) error = %v, want ErrNotFound naming the file and %q", name, err, want)
		}
	}
}
