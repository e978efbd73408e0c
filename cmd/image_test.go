package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vitro-dev/vitro/internal/testenv"
)

// TestImageCommands drives the image commands in-process over a temp data
// root: bootstrap, list, inspect, tag, save, rmi, load, prune.
func TestImageCommands(t *testing.T) {
	if _, err := os.Stat("/bin/busybox"); err != nil {
		if os.Getenv(testenv.RequireEnv) != "" {
			t.Fatal("/bin/busybox missing: apt-get install busybox-static")
		}
		t.Skip("/bin/busybox missing: apt-get install busybox-static")
	}
	dr := t.TempDir()
	vitro := func(args ...string) string {
		t.Helper()
		out, stderr, code := run(t, append([]string{"--data-root", dr}, args...)...)
		if code != 0 {
			t.Fatalf("vitro %s: exit %d: %s", strings.Join(args, " "), code, stderr)
		}
		return out
	}
	vitro("image", "bootstrap")
	var rows []map[string]any
	if err := json.Unmarshal([]byte(vitro("images", "--format", "json")), &rows); err != nil || len(rows) != 1 || rows[0]["Repository"] != "busybox" {
		t.Fatalf("images --format json = %v, %v", rows, err)
	}
	if out := vitro("image", "inspect", "-f", "{{.Config.Cmd}}", "busybox"); out != "[sh]\n" {
		t.Fatalf("inspect -f = %q", out)
	}
	vitro("tag", "busybox", "class/box:1")
	if out := vitro("images", "--format", "{{.Repository}}:{{.Tag}}"); out != "busybox:latest\nclass/box:1\n" && out != "class/box:1\nbusybox:latest\n" {
		t.Fatalf("images after tag = %q", out)
	}
	archive := filepath.Join(t.TempDir(), "box.tar")
	vitro("save", "-o", archive, "class/box:1")
	if out := vitro("rmi", "class/box:1"); out != "Untagged: class/box:1\n" {
		t.Fatalf("rmi = %q", out)
	}
	out := vitro("rmi", "busybox")
	if !strings.Contains(out, "Untagged: busybox:latest") || !strings.Contains(out, "Deleted: sha256:") {
		t.Fatalf("rmi busybox = %q", out)
	}
	if out := vitro("images", "-q"); out != "" {
		t.Fatalf("images -q after rmi = %q", out)
	}
	if out := vitro("load", "-q", "-i", archive); out != "Loaded image: class/box:1\n" {
		t.Fatalf("load = %q", out)
	}
	if _, stderr, code := run(t, "--data-root", dr, "rmi", "nothing"); code != ExitVitro || !strings.Contains(stderr, "no such image") {
		t.Fatalf("rmi nothing: exit %d, %q", code, stderr)
	}
	vitro("image", "prune", "-a")
	if out := vitro("info", "--format", "{{.Images}}"); out != "0\n" {
		t.Fatalf("info Images after prune -a = %q", out)
	}
}
