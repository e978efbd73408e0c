package image

import (
	"bytes"
	"strings"
	"testing"
)

func TestPrinterLinesWithoutTTY(t *testing.T) {
	var b bytes.Buffer
	p := NewPrinter(&b, false)
	p.Update("aaa", "Waiting", 0, 10)
	p.Update("bbb", "Waiting", 0, 10)
	p.Update("aaa", "Downloading", 5, 10)
	p.Update("bbb", "Already exists", 10, 10)
	p.Update("aaa", "Pull complete", 10, 10)
	p.Update("aaa", "Pull complete", 10, 10) // said once only
	p.Done()
	if got, want := b.String(), "bbb: Already exists\naaa: Pull complete\n"; got != want {
		t.Fatalf("printed %q, want %q", got, want)
	}
}

func TestPrinterBarsOnTTY(t *testing.T) {
	var b bytes.Buffer
	p := NewPrinter(&b, true)
	p.Update("aaa", "Waiting", 0, 2000)
	p.Update("aaa", "Downloading", 1000, 2000)
	p.Done()
	out := b.String()
	if !strings.Contains(out, "aaa: Downloading [===============>              ] 1kB/2kB") || !strings.Contains(out, "\x1b[1A") {
		t.Fatalf("TTY output %q lacks the bar or the cursor-up redraw", out)
	}
}

func TestHumanSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0B", 999: "999B", 1000: "1kB", 1982431: "1.98MB", 41_900_000: "41.9MB"} {
		if got := HumanSize(n); got != want {
			t.Errorf("HumanSize(%d) = %q, want %q", n, got, want)
		}
	}
}
