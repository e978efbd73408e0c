package vm

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestProbeCache(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	kpath := filepath.Join(t.TempDir(), "vmlinuz-9.9")
	if err := os.WriteFile(kpath, []byte("kernel"), 0o644); err != nil {
		t.Fatal(err)
	}
	k := Kernel{Path: kpath, Release: "9.9"}
	if _, ok := CachedProbe(k); ok {
		t.Fatal("answer found in an empty cache")
	}
	saveProbe(ProbeResult{Key: probeKey(k), Detail: "hung", HungWithin: 3 * time.Second})
	if _, ok := cachedProbe(k, 3*time.Second); !ok {
		t.Error("a hang within 3s not trusted by a 3s caller")
	}
	if _, ok := cachedProbe(k, ProbeTimeout); ok {
		t.Error("a hang within 3s trusted by a caller that waits longer")
	}
	saveProbe(ProbeResult{Key: probeKey(k), Usable: true})
	if r, ok := cachedProbe(k, ProbeTimeout); !ok || !r.Usable {
		t.Errorf("usable answer not returned: %+v %v", r, ok)
	}
	// A new kernel at the same path invalidates the answer.
	if err := os.WriteFile(kpath, []byte("another kernel"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ok := CachedProbe(k); ok {
		t.Error("answer kept after the kernel changed")
	}
}
