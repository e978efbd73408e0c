package fsutil

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestWriteJSONAtomic(t *testing.T) {
	p := filepath.Join(t.TempDir(), "state.json")
	if err := WriteJSONAtomic(p, map[string]int{"a": 1}); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSONAtomic(p, map[string]int{"a": 2}); err != nil {
		t.Fatal(err)
	}
	var m map[string]int
	if err := ReadJSON(p, &m); err != nil || m["a"] != 2 {
		t.Fatalf("read back %v, %v", m, err)
	}
	es, _ := os.ReadDir(filepath.Dir(p))
	if len(es) != 1 {
		t.Errorf("temp files left behind: %v", es)
	}
}

func TestLockExcludes(t *testing.T) {
	p := filepath.Join(t.TempDir(), "lock")
	var mu sync.Mutex
	inside := 0
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := LockFile(p)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			inside++
			if inside != 1 {
				t.Errorf("%d holders at once", inside)
			}
			mu.Unlock()
			mu.Lock()
			inside--
			mu.Unlock()
			l.Unlock()
		}()
	}
	wg.Wait()
}

func TestReplaceJSON(t *testing.T) {
	p := filepath.Join(t.TempDir(), "state.json")
	for i := 0; i < 3; i++ {
		if err := ReplaceJSON(p, map[string]int{"n": i}); err != nil {
			t.Fatal(err)
		}
	}
	var m map[string]int
	if err := ReadJSON(p, &m); err != nil || m["n"] != 2 {
		t.Fatalf("read back %v, %v", m, err)
	}
	if es, _ := os.ReadDir(filepath.Dir(p)); len(es) != 1 {
		t.Errorf("temp files left behind: %v", es)
	}
}
