package lessons

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/moby/sys/mountinfo"
	"github.com/vitro-dev/vitro/fsdemo"
)

// The union-filesystem lab: copy-up, a whiteout and a new file, made
// through an overlay the student mounts.

// overlayLower is what the lab's read-only layer holds.
var overlayLower = map[string]string{
	"a.txt":       "from the image\n",
	"b.txt":       "delete me\n",
	"etc/message": "hello from the lower layer\n",
}

func init() {
	registerLab(&Lab{
		ID: "overlay-whiteout", Title: "Copy-up and whiteouts in an overlay you mount", Lesson: "overlay",
		Vars: func(e *LabEnv) (map[string]string, error) {
			v := map[string]string{}
			for _, d := range []string{"lower", "upper", "work", "merged"} {
				v[strings.ToUpper(d[:1])+d[1:]] = filepath.Join(e.Dir, d)
			}
			return v, nil
		},
		Setup: func(_ context.Context, e *LabEnv) error {
			for name, content := range overlayLower {
				p := filepath.Join(e.Vars["Lower"], name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					return err
				}
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					return err
				}
			}
			for _, d := range []string{"Upper", "Work", "Merged"} {
				if err := os.MkdirAll(e.Vars[d], 0o755); err != nil {
					return err
				}
			}
			return nil
		},
		Task: `` + "`{{.Lower}}`" + ` is a read-only image layer with ` + "`a.txt`, `b.txt`" + ` and ` + "`etc/message`" + `.

1. Mount an overlay on ` + "`{{.Merged}}`" + ` with that lower layer, the upper layer
   ` + "`{{.Upper}}`" + ` and the work directory ` + "`{{.Work}}`" + `.
2. Through the merged view only: append a line to ` + "`a.txt`" + `, delete ` + "`b.txt`" + `, and create ` + "`c.txt`" + `.
3. Look at the upper layer (` + "`ls -l {{.Upper}}`" + `): what did the kernel put there? The
   lower layer must not have changed.`,
		Solution: `mount -t overlay overlay -o lowerdir={{.Lower}},upperdir={{.Upper}},workdir={{.Work}} {{.Merged}}
echo changed >> {{.Merged}}/a.txt
rm {{.Merged}}/b.txt
echo new > {{.Merged}}/c.txt
ls -l {{.Upper}}       # a.txt copied up, b.txt a 0/0 character device (a whiteout), c.txt`,
		Checks: []Check{
			{Name: "an overlay is mounted on the merged directory with the lab's layers",
				Hint: "mount -t overlay overlay -o lowerdir={{.Lower}},upperdir={{.Upper}},workdir={{.Work}} {{.Merged}}",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					m, where := e.findOverlay()
					if m == nil {
						return "nothing of type overlay on " + e.Vars["Merged"], false, nil
					}
					if !strings.Contains(m.VFSOptions, "upperdir="+e.Vars["Upper"]) || !strings.Contains(m.VFSOptions, e.Vars["Lower"]) {
						return "an overlay, but with other layers: " + m.VFSOptions, false, nil
					}
					return "mounted (" + where + ")", true, nil
				}},
			{Name: "a.txt was copied up and changed in the upper layer",
				Hint: "append through the merged view: echo changed >> {{.Merged}}/a.txt",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					b, err := os.ReadFile(filepath.Join(e.Vars["Upper"], "a.txt"))
					if err != nil {
						return "no a.txt in the upper layer", false, nil
					}
					if string(b) == overlayLower["a.txt"] {
						return "a.txt is in the upper layer but unchanged", false, nil
					}
					return fmt.Sprintf("upper a.txt is %d bytes, lower's %d", len(b), len(overlayLower["a.txt"])), true, nil
				}},
			{Name: "b.txt is a whiteout in the upper layer",
				Hint: "delete it through the merged view: rm {{.Merged}}/b.txt (the lower layer cannot change, so overlayfs records the deletion)",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					fi, err := os.Lstat(filepath.Join(e.Vars["Upper"], "b.txt"))
					if err != nil {
						return "no b.txt in the upper layer", false, nil
					}
					if fsdemo.IsWhiteout(fi) {
						return "character device 0/0", true, nil
					}
					return fmt.Sprintf("b.txt there has mode %o, not a 0/0 character device", fi.Sys().(*syscall.Stat_t).Mode), false, nil
				}},
			{Name: "c.txt is new, in the upper layer only",
				Hint: "echo new > {{.Merged}}/c.txt",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					_, errU := os.Stat(filepath.Join(e.Vars["Upper"], "c.txt"))
					_, errL := os.Stat(filepath.Join(e.Vars["Lower"], "c.txt"))
					return fmt.Sprintf("in upper: %v, in lower: %v", errU == nil, errL == nil), errU == nil && errL != nil, nil
				}},
			{Name: "the lower layer is unchanged",
				Hint: "work through {{.Merged}} only; vitro lab reset overlay-whiteout and start again to restore the lower layer",
				Run: func(_ context.Context, e *LabEnv) (string, bool, error) {
					for name, want := range overlayLower {
						b, err := os.ReadFile(filepath.Join(e.Vars["Lower"], name))
						if err != nil || string(b) != want {
							return name + " in the lower layer was changed or removed", false, nil
						}
					}
					return fmt.Sprintf("all %d files as they were", len(overlayLower)), true, nil
				}},
		},
		Apply: func(_ context.Context, e *LabEnv) error {
			m, err := fsdemo.Overlay([]string{e.Vars["Lower"]}, e.Vars["Upper"], e.Vars["Work"], e.Vars["Merged"])
			if err != nil {
				return err
			}
			if err := fsdemo.Apply([]fsdemo.Mount{m}); err != nil {
				return err
			}
			merged := func(p string) string { return filepath.Join(e.Vars["Merged"], p) }
			f, err := os.OpenFile(merged("a.txt"), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			f.WriteString("changed\n")
			if err := f.Close(); err != nil {
				return err
			}
			if err := os.Remove(merged("b.txt")); err != nil {
				return err
			}
			return os.WriteFile(merged("c.txt"), []byte("new\n"), 0o644)
		},
		Teardown: func(_ context.Context, e *LabEnv) ([]string, error) {
			ps := e.studentProcs(func(p int) bool {
				ms, err := mountsAt(p, e.Vars["Merged"])
				return inOwnNS(p, "mnt") && err == nil && len(ms) > 0
			})
			return killAll(ps, "holding the overlay in its mount namespace"), nil
		},
		Residue: func(e *LabEnv) []string {
			if m, where := e.findOverlay(); m != nil {
				return []string{"overlay on " + e.Vars["Merged"] + " (" + where + ")"}
			}
			return nil
		},
	})
}

// findOverlay looks for an overlay on the merged directory in the host's
// mount table, then in the student's own mount namespaces.
func (e *LabEnv) findOverlay() (*mountinfo.Info, string) {
	pick := func(ms []*mountinfo.Info) *mountinfo.Info {
		for i := len(ms) - 1; i >= 0; i-- {
			if ms[i].FSType == "overlay" {
				return ms[i]
			}
		}
		return nil
	}
	if ms, err := mountsAt(0, e.Vars["Merged"]); err == nil && pick(ms) != nil {
		return pick(ms), "in the host's mount namespace"
	}
	for _, p := range e.studentProcs(func(p int) bool { return inOwnNS(p, "mnt") }) {
		if ms, err := mountsAt(p, e.Vars["Merged"]); err == nil && pick(ms) != nil {
			return pick(ms), fmt.Sprintf("in the mount namespace of PID %d", p)
		}
	}
	return nil, ""
}
