package vm

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestFindKernelNewest(t *testing.T) {
	boot := t.TempDir()
	for _, rel := range []string{"6.1.0-9-amd64", "6.10.0-1-amd64", "6.9.3-2-amd64"} {
		if err := os.WriteFile(filepath.Join(boot, "vmlinuz-"+rel), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	k, err := findKernel(boot, "/lib/modules")
	if err != nil {
		t.Fatal(err)
	}
	if k.Release != "6.10.0-1-amd64" || k.ModulesDir != "/lib/modules/6.10.0-1-amd64" {
		t.Errorf("got %+v, want release 6.10.0-1-amd64", k)
	}
	if _, err := findKernel(t.TempDir(), "/lib/modules"); err == nil {
		t.Error("empty /boot: no error")
	}
}

func TestVersionLess(t *testing.T) {
	for _, c := range [][2]string{{"6.1.0-9", "6.1.0-10"}, {"5.10", "6.1"}, {"6.1", "6.1.1"}, {"6.1.0-rc1", "6.1.0-rc2"}} {
		if !versionLess(c[0], c[1]) || versionLess(c[1], c[0]) {
			t.Errorf("versionLess(%q, %q) wrong", c[0], c[1])
		}
	}
}

func TestSummarize(t *testing.T) {
	ms := []Measurement{
		{Userspace: 3 * time.Second, PowerOff: 4 * time.Second, PeakRSS: 300},
		{Userspace: 1 * time.Second, PowerOff: 2 * time.Second, PeakRSS: 100},
		{Userspace: 2 * time.Second, PowerOff: 9 * time.Second, PeakRSS: 200},
	}
	s := Summarize(ms)
	if s.N != 3 || s.UserspaceMin != time.Second || s.UserspaceMedian != 2*time.Second || s.UserspaceMax != 3*time.Second ||
		s.PowerOffMedian != 4*time.Second || s.PeakRSSMedian != 200 || s.PeakRSSMax != 300 {
		t.Errorf("Summarize = %+v", s)
	}
	if ms[0].PeakRSS != 300 {
		t.Error("Summarize reordered its input")
	}
	if Summarize(nil).N != 0 {
		t.Error("empty input")
	}
}
