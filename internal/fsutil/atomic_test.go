package fsutil

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// A write that fails half-way leaves the old content, and no temporary
// file, behind.
func TestWriteAtomicKeepsOldContentOnError(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "index.json")
	if err := WriteFileAtomic(p, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("the writer broke")
	err := WriteAtomic(p, 0o600, func(w io.Writer) error {
		io.WriteString(w, "half of the new")
		return boom
	})
	if err != boom {
		t.Fatalf("error = %v, want the writer's own %v", err, boom)
	}
	if b, _ := os.ReadFile(p); string(b) != "old\n" {
		t.Errorf("after a failed write the file holds %q, want the old content", b)
	}
	if es, _ := os.ReadDir(dir); len(es) != 1 {
		t.Errorf("temporary files left behind: %v", es)
	}
}

func TestWriteAtomicModeAndTempDir(t *testing.T) {
	dir, tmp := t.TempDir(), t.TempDir()
	p := filepath.Join(dir, "blob")
	seen := ""
	err := WriteAtomic(p, 0o640, func(w io.Writer) error {
		seen = w.(*os.File).Name()
		_, err := io.WriteString(w, "data")
		return err
	}, TempDir(tmp))
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(seen) != tmp {
		t.Errorf("temporary file %s, want it in %s", seen, tmp)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", fi.Mode().Perm())
	}
	if b, _ := os.ReadFile(p); string(b) != "data" {
		t.Errorf("content %q", b)
	}
	if es, _ := os.ReadDir(tmp); len(es) != 0 {
		t.Errorf("temporary files left behind: %v", es)
	}
}

// On a full disk WriteFileAtomic falls back to overwriteInPlace, which
// needs no free block: it only reuses the blocks path has.
func TestOverwriteInPlace(t *testing.T) {
	p := filepath.Join(t.TempDir(), "rec")
	if err := os.WriteFile(p, []byte(`{"status":"running","pid":1234}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := overwriteInPlace(p, []byte(`{"status":"exited"}`)); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != `{"status":"exited"}` {
		t.Errorf("after overwriteInPlace: %q", b)
	}
	if err := overwriteInPlace(p, make([]byte, 1<<20)); err == nil {
		t.Error("1 MiB written over a file of one block: want a refusal")
	}
}
