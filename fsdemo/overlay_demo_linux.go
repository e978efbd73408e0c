package fsdemo

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/trace"
)

// OverlayEntry is one path in one layer of the overlay demo, as the
// kernel shows it: "file \"hello\"", "dir", "dir, opaque",
// "whiteout (char 0/0)".
type OverlayEntry struct {
	Path  string `json:"path"`
	State string `json:"state"`
}

// OverlayStep is one operation on the merged view and what each layer
// holds afterwards.
type OverlayStep struct {
	Op      string           `json:"op"`
	Shell   string           `json:"shell"`
	Output  string           `json:"output,omitempty"` // what the operation read
	Explain string           `json:"explain"`
	Merged  []OverlayEntry   `json:"merged"`
	Upper   []OverlayEntry   `json:"upper"`
	Lowers  [][]OverlayEntry `json:"lowers"` // top first, like lowerdir=
}

// OverlayResult is what `vitro fs overlay` shows.
type OverlayResult struct {
	Lowers []string      `json:"lowers"` // top first
	Upper  string        `json:"upper"`
	Work   string        `json:"work"`
	Merged string        `json:"merged"`
	Mount  Mount         `json:"mount"`
	Steps  []OverlayStep `json:"steps"`
	Layer  []TarEntry    `json:"layer"` // the tar entries the upper dir would become
}

const overlayEntry = "fsdemo-overlay"

func init() { registerChild(overlayEntry, overlayChild) }

// overlayLayers are the two read-only layers, bottom first, as files.
var overlayLayers = []map[string]string{
	{ // layer 1, the base
		"etc/motd":  "hello from layer 1\n",
		"etc/issue": "issue of layer 1\n",
		"app/a.txt": "a from layer 1\n",
		"app/b.txt": "b from layer 1\n",
	},
	{ // layer 2, on top
		"etc/issue": "issue of layer 2\n",
		"app/c.txt": "c from layer 2\n",
	},
}

// OverlayDemo mounts two lower layers, an upper and a work dir in a child
// with its own mount namespace, then reads, modifies, deletes, replaces
// a directory and creates a file in the merged view, recording after each
// operation what the merged view, the upper dir and the lowers hold.
// It ends with the tar entries of the layer the upper dir would become.
func OverlayDemo(ctx context.Context) (*OverlayResult, error) {
	dir, cleanup, err := demoDir("overlay")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	res := &OverlayResult{Upper: filepath.Join(dir, "upper"), Work: filepath.Join(dir, "work"), Merged: filepath.Join(dir, "merged")}
	for i := len(overlayLayers) - 1; i >= 0; i-- { // top first
		l := filepath.Join(dir, fmt.Sprintf("layer%d", i+1))
		res.Lowers = append(res.Lowers, l)
		for name, content := range overlayLayers[i] {
			if err := os.MkdirAll(filepath.Dir(filepath.Join(l, name)), 0o755); err != nil {
				return nil, err
			}
			if err := os.WriteFile(filepath.Join(l, name), []byte(content), 0o644); err != nil {
				return nil, err
			}
		}
	}
	for _, d := range []string{res.Upper, res.Work, res.Merged} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return nil, err
		}
	}
	if res.Mount, err = Overlay(res.Lowers, res.Upper, res.Work, res.Merged); err != nil {
		return nil, err
	}
	if err := runChild(ctx, overlayEntry, 0, res, &res.Steps, nil); err != nil {
		return nil, err
	}
	// The child and its mount are gone: the upper dir, as the host sees it,
	// is what a layer tarball would record.
	if res.Layer, err = LayerEntries(res.Upper); err != nil {
		return nil, fmt.Errorf("reading the upper dir: %w", err)
	}
	return res, nil
}

// overlayOp is one operation of the demo on the merged view.
type overlayOp struct {
	op, shell, explain string
	do                 func(merged func(string) string) (string, error)
}

var overlayOps = []overlayOp{
	{"read etc/motd", "cat merged/etc/motd", "a read is served from the lower layer: nothing is copied",
		func(m func(string) string) (string, error) {
			b, err := os.ReadFile(m("etc/motd"))
			return strings.TrimSpace(string(b)), err
		}},
	{"modify etc/motd", "echo changed >> merged/etc/motd",
		"copy-up: the whole file is copied into upper (with etc/) and changed there; layer 1 is untouched",
		func(m func(string) string) (string, error) {
			return "", appendFile(m("etc/motd"), "changed in the container\n")
		}},
	{"delete etc/issue", "rm merged/etc/issue",
		"whiteout: upper gets a character device 0/0 named etc/issue, hiding it in every lower",
		func(m func(string) string) (string, error) { return "", os.Remove(m("etc/issue")) }},
	{"replace directory app", "rm -rf merged/app && mkdir merged/app && echo new > merged/app/new.txt",
		"opaque directory: upper/app gets the xattr " + OpaqueXattr + "=y, so a.txt, b.txt and c.txt of the lowers stay hidden",
		func(m func(string) string) (string, error) {
			if err := os.RemoveAll(m("app")); err != nil {
				return "", err
			}
			if err := os.Mkdir(m("app"), 0o755); err != nil {
				return "", err
			}
			return "", os.WriteFile(m("app/new.txt"), []byte("new in the container\n"), 0o644)
		}},
	{"create notes.txt", "echo notes > merged/notes.txt", "a new file exists in upper only",
		func(m func(string) string) (string, error) {
			return "", os.WriteFile(m("notes.txt"), []byte("notes\n"), 0o644)
		}},
}

func overlayChild(_ *reexec.Pipe, in json.RawMessage) (any, error) {
	var r OverlayResult
	if err := decode(in, &r); err != nil {
		return nil, err
	}
	if err := Apply([]Mount{r.Mount}); err != nil {
		return nil, err
	}
	first, err := overlaySnapshot(&r, overlayOp{op: "mount", shell: strings.Join(r.Mount.Shell(), "; "),
		explain: "the merged view is the union of the layers; where two have a path, the upper one wins (etc/issue is layer 2's)"}, "")
	if err != nil {
		return nil, err
	}
	steps := []OverlayStep{first}
	merged := func(p string) string { return filepath.Join(r.Merged, p) }
	for _, op := range overlayOps {
		trace.Action(op.op)
		trace.Shell(op.shell)
		out, err := op.do(merged)
		if err != nil {
			return nil, fmt.Errorf("overlay demo: %s: %w", op.op, err)
		}
		s, err := overlaySnapshot(&r, op, out)
		if err != nil {
			return nil, err
		}
		steps = append(steps, s)
	}
	return steps, nil
}

// overlaySnapshot records what the merged view, upper and each lower
// hold after op.
func overlaySnapshot(r *OverlayResult, op overlayOp, output string) (OverlayStep, error) {
	s := OverlayStep{Op: op.op, Shell: op.shell, Explain: op.explain, Output: output}
	var err error
	if s.Merged, err = layerView(r.Merged); err != nil {
		return s, err
	}
	if s.Upper, err = layerView(r.Upper); err != nil {
		return s, err
	}
	for _, l := range r.Lowers {
		v, err := layerView(l)
		if err != nil {
			return s, err
		}
		s.Lowers = append(s.Lowers, v)
	}
	return s, nil
}

func appendFile(p, s string) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(s); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// layerView lists every path under dir with what the kernel says it is.
func layerView(dir string) ([]OverlayEntry, error) {
	var out []OverlayEntry
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, OverlayEntry{Path: rel, State: describe(p, fi)})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, err
}

func describe(p string, fi fs.FileInfo) string {
	switch {
	case IsWhiteout(fi):
		return "whiteout (char 0/0)"
	case fi.IsDir():
		if IsOpaque(p) {
			return "dir, opaque=y"
		}
		return "dir"
	case fi.Mode().IsRegular():
		b, err := os.ReadFile(p)
		if err != nil {
			return "file (" + err.Error() + ")"
		}
		return fmt.Sprintf("file %q", shorten(strings.ReplaceAll(strings.TrimSpace(string(b)), "\n", " | "), 56))
	}
	return fileKind(fi.Mode())
}
