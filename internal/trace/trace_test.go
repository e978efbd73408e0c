package trace

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestLevels(t *testing.T) {
	var buf bytes.Buffer
	tr := New(Steps, NewSink(FormatJSON, &buf))
	tr.Action("mount", Str("target", "/x"))
	tr.Kernel("mount(2)", Hex("flags", 0x1000)) // below the level: dropped
	tr.Shell("mount --bind a b")
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d events at level steps, want 2 (kernel dropped):\n%s", len(lines), buf.String())
	}
	var e jsonEvent
	if err := json.Unmarshal([]byte(lines[0]), &e); err != nil {
		t.Fatal(err)
	}
	if e.Kind != "action" || e.Name != "mount" || e.Fields["target"] != "/x" {
		t.Errorf("first event = %+v", e)
	}
}

func TestNilAndOffTracersAreSilent(t *testing.T) {
	var nilT *Tracer
	nilT.Action("x")
	nilT.Step(1, 6, "image").End()
	off := New(Off, nil)
	off.Kernel("y")
	if nilT.Enabled(Steps) || off.Enabled(Steps) {
		t.Fatal("a nil or off tracer reports itself enabled")
	}
}

func TestTextRenderer(t *testing.T) {
	var buf bytes.Buffer
	tr := New(Kernel, NewSink(FormatText, &buf))
	sp := tr.Step(3, 6, "rootfs")
	tr.Action("mount", Str("type", "overlay"), Int("layers", 2))
	tr.Kernel("mountinfo", Int("id", 812))
	tr.Shell("mount -t overlay overlay /merged")
	sp.End()
	tr.Close()
	out := buf.String()
	for _, want := range []string{"[3/6] rootfs", "mount  type=overlay  layers=2", "· mountinfo  id=812", "$ mount -t overlay overlay /merged", "done in "} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("colour written to a non-terminal")
	}
}

func TestChromeIsAJSONArray(t *testing.T) {
	var buf bytes.Buffer
	tr := New(Kernel, NewSink(FormatChrome, &buf))
	sp := tr.Step(1, 6, "image")
	tr.Action("lookup", Str("ref", "busybox"))
	time.Sleep(time.Millisecond)
	sp.End()
	tr.Close()
	var evs []chromeEvent
	if err := json.Unmarshal(buf.Bytes(), &evs); err != nil {
		t.Fatalf("chrome output is not a JSON array: %v\n%s", err, buf.String())
	}
	if len(evs) != 3 || evs[0].Ph != "B" || evs[1].Ph != "i" || evs[2].Ph != "E" {
		t.Fatalf("events = %+v", evs)
	}
	if evs[2].TS < evs[0].TS {
		t.Error("end before begin")
	}
}

func TestEmptyChromeTraceIsValid(t *testing.T) {
	var buf bytes.Buffer
	New(Steps, NewSink(FormatChrome, &buf)).Close()
	var evs []chromeEvent
	if err := json.Unmarshal(buf.Bytes(), &evs); err != nil {
		t.Fatalf("%v: %q", err, buf.String())
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]Level{"": Steps, "steps": Steps, "kernel": Kernel, "off": Off} {
		if got, err := ParseLevel(in); err != nil || got != want {
			t.Errorf("ParseLevel(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseLevel("loud"); err == nil || !strings.Contains(err.Error(), `"loud"`) {
		t.Errorf("ParseLevel(loud) error = %v", err)
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("ParseFormat(xml) accepted")
	}
}

func TestDisabledDoesNotAllocate(t *testing.T) {
	tr := New(Off, nil)
	n := testing.AllocsPerRun(1000, func() {
		tr.Action("mount", Str("target", "/merged"), Int("flags", 4096), Hex("mask", 7))
		tr.Kernel("setns", Int("fd", 3))
		tr.Step(3, 6, "rootfs").End()
		Action("global", Str("k", "v"))
	})
	if n != 0 {
		t.Fatalf("disabled tracing allocates %.1f times per event group, want 0", n)
	}
}
