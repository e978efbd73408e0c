package cmd

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vitro-dev/vitro/engine/image/registry"
	"github.com/vitro-dev/vitro/internal/testenv"
)

// TestImageCommands drives the image commands in-process over a temp data
// root: bootstrap, list, inspect, tag, save, rmi, load, prune.
func TestImageCommands(t *testing.T) {
	testenv.RequireFile(t, "/bin/busybox", "busybox-static")
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
	if out := vitro("images", "-f", "reference=class/*", "--format", "{{.Repository}}:{{.Tag}}"); out != "class/box:1\n" {
		t.Fatalf("images -f reference=class/* = %q", out)
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

// TestPushPullCommands pushes the bootstrap image to an in-process
// `vitro registry serve` on loopback and pulls it into another data root,
// checking docker's output lines.
func TestPushPullCommands(t *testing.T) {
	testenv.RequireFile(t, "/bin/busybox", "busybox-static")
	testenv.RequirePrivileged(t)
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan string, 1), make(chan error, 1)
	go func() {
		done <- registry.Serve(ctx, "127.0.0.1:0", t.TempDir(), nil, func(a string) { ready <- a })
	}()
	t.Cleanup(func() { cancel(); <-done })
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatal(err)
	}
	src, dst := t.TempDir(), t.TempDir()
	vitro := func(dr string, args ...string) string {
		t.Helper()
		out, stderr, code := run(t, append([]string{"--data-root", dr}, args...)...)
		if code != 0 {
			t.Fatalf("vitro %s: exit %d: %s", strings.Join(args, " "), code, stderr)
		}
		return out
	}
	vitro(src, "image", "bootstrap")
	ref := addr + "/class/busybox:1"
	vitro(src, "tag", "busybox", ref)
	if out := vitro(src, "push", ref); !strings.Contains(out, "1: digest: sha256:") {
		t.Fatalf("push printed %q", out)
	}
	out := vitro(dst, "pull", ref)
	for _, want := range []string{"1: Pulling from class/busybox", ": Pull complete", "Digest: sha256:", "Status: Downloaded newer image for " + ref, ref + "\n"} {
		if !strings.Contains(out, want) {
			t.Fatalf("pull printed %q, want %q in it", out, want)
		}
	}
	if out := vitro(dst, "pull", "-q", ref); out != ref+"\n" {
		t.Fatalf("pull -q printed %q", out)
	}
	if out := vitro(dst, "search", "--registry", addr, "busy", "--format", "{{.Name}} {{join .Tags \",\"}}"); out != addr+"/class/busybox 1\n" {
		t.Fatalf("search printed %q", out)
	}
}
