package lessons

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/vitro-dev/vitro/internal/fsutil"
)

// A lab is a task the student does with ordinary tools (unshare, ip,
// mount, echo into cgroup files) or vitro's demos, checked by reading the
// kernel's state: namespace inodes, cgroup files, mountinfo, links and
// addresses. Never by comparing printed text.
//
//	start ──► the student works ──► check ──✗──► hint ──► ... ──► check ✓
//	  │                                                              │
//	  └────────────────────────── reset ◄────────────────────────────┘
//
// Every name a lab uses comes from Vars, which prefix them with the
// student's name in classroom mode, so two students never touch each
// other's objects.

// Lab is one checked exercise.
type Lab struct {
	ID       string
	Title    string
	Lesson   string // the lesson it practises
	Task     string // Markdown, a template over Vars
	Solution string // shell commands, a template over Vars
	// Vars names the objects of this lab for a student (hostname, link
	// names, cgroup path, addresses). Keys are used in Task, Solution and hints.
	Vars func(e *LabEnv) (map[string]string, error)
	// Setup prepares the scenario (nil: nothing to prepare).
	Setup func(ctx context.Context, e *LabEnv) error
	// Checks run in order; each reads kernel state.
	Checks []Check
	// Apply does the documented solution (solution --apply).
	Apply func(ctx context.Context, e *LabEnv) error
	// Teardown removes what the lab and the student made, reporting what it
	// removed. Processes recorded in the state are killed before it runs,
	// and the lab's directory is removed after.
	Teardown func(ctx context.Context, e *LabEnv) ([]string, error)
	// Residue lists what of the lab is still there (nil: nothing); reset
	// calls it last and fails if anything is left.
	Residue func(e *LabEnv) []string
}

// Check is one part of a lab's verification.
type Check struct {
	Name string // what must be true, "the shell has hostname lab"
	Hint string // what to do when it is not, a template over Vars
	// Run reads the kernel and says what it found, and whether it passes.
	Run func(ctx context.Context, e *LabEnv) (observed string, ok bool, err error)
}

// CheckResult is one check's verdict.
type CheckResult struct {
	Name     string `json:"name"`
	OK       bool   `json:"ok"`
	Observed string `json:"observed"`
	Hint     string `json:"hint,omitempty"`
}

// LabEnv is a lab as one student runs it.
type LabEnv struct {
	Lab     *Lab
	Student *Student
	Vars    map[string]string
	Dir     string // the lab's directory, removed by reset
	State   *LabState
	cache   map[string]any // shared by the checks of one run
}

// LabState is what start records and reset undoes.
type LabState struct {
	Started time.Time `json:"started"`
	Procs   []Proc    `json:"procs,omitempty"` // processes the lab started
}

// Proc identifies a process across PID reuse: its PID and start time.
type Proc struct {
	PID   int    `json:"pid"`
	Start uint64 `json:"start"` // field 22 of /proc/PID/stat, in clock ticks
}

var labs = map[string]*Lab{}

func registerLab(l *Lab) {
	if _, dup := labs[l.ID]; dup {
		panic("lessons: lab registered twice: " + l.ID)
	}
	labs[l.ID] = l
}

// LookupLab returns the lab called id.
func LookupLab(id string) (*Lab, bool) {
	l, ok := labs[id]
	return l, ok
}

// Labs lists the labs in course order (by their lesson, then id).
func Labs() []*Lab {
	order := map[string]int{}
	if all, err := All(); err == nil {
		for _, l := range all {
			order[l.ID] = l.Number
		}
	}
	var out []*Lab
	for _, l := range labs {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := order[out[i].Lesson], order[out[j].Lesson]
		if a != b {
			return a < b
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// FindLab returns the lab called id, or an error listing the labs.
func FindLab(id string) (*Lab, error) {
	if l, ok := labs[id]; ok {
		return l, nil
	}
	var ids []string
	for _, l := range Labs() {
		ids = append(ids, l.ID)
	}
	return nil, fmt.Errorf("no lab %q: choose one of %s (see vitro lab list)", id, strings.Join(ids, ", "))
}

// Env prepares lab l for student s: its names and its recorded state.
func (l *Lab) Env(s *Student) (*LabEnv, error) {
	e := &LabEnv{Lab: l, Student: s, Dir: filepath.Join(s.Dir(), "labs", l.ID), State: &LabState{}, cache: map[string]any{}}
	e.Vars = map[string]string{"Student": s.Name, "Prefix": s.Prefix(), "Dir": e.Dir, "Lab": l.ID, "Export": ""}
	if s.Name != "" {
		e.Vars["Export"] = fmt.Sprintf("export %s=%s", StudentEnv, s.Name)
	}
	if l.Vars != nil {
		v, err := l.Vars(e)
		if err != nil {
			return nil, err
		}
		for k, x := range v {
			e.Vars[k] = x
		}
	}
	if s.example {
		return e, nil
	}
	if err := readJSON(e.statePath(), e.State); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *LabEnv) statePath() string { return filepath.Join(e.Dir, "state.json") }

// Started tells whether start ran (and reset has not since).
func (e *LabEnv) Started() bool { return !e.State.Started.IsZero() }

func (e *LabEnv) saveState() error { return fsutil.WriteJSONAtomic(e.statePath(), e.State) }

// Expand fills a template with the lab's names.
func (e *LabEnv) Expand(text string) string {
	t, err := template.New(e.Lab.ID).Option("missingkey=error").Parse(text)
	if err != nil {
		return text
	}
	var b bytes.Buffer
	if err := t.Execute(&b, e.Vars); err != nil {
		return text
	}
	return b.String()
}

// Start prepares the scenario and returns the task.
func (e *LabEnv) Start(ctx context.Context) (string, error) {
	if err := os.MkdirAll(e.Dir, 0o755); err != nil {
		return "", err
	}
	if e.Started() {
		return e.Expand(e.Lab.Task), nil // already set up: say the task again
	}
	e.State.Started = time.Now().UTC()
	if err := e.saveState(); err != nil {
		return "", err
	}
	if e.Lab.Setup != nil {
		if err := e.Lab.Setup(ctx, e); err != nil {
			// Undo what was made before the failure.
			e.Reset(context.WithoutCancel(ctx))
			return "", fmt.Errorf("preparing lab %s: %w", e.Lab.ID, err)
		}
	}
	return e.Expand(e.Lab.Task), e.saveState()
}

// Check runs every check and records the outcome for the report.
func (e *LabEnv) Check(ctx context.Context) ([]CheckResult, bool, error) {
	out, pass, err := e.runChecks(ctx)
	if err != nil {
		return out, false, err
	}
	return out, pass, e.Student.recordResult(e.Lab.ID, out, pass)
}

// runChecks runs every check, recording nothing.
func (e *LabEnv) runChecks(ctx context.Context) ([]CheckResult, bool, error) {
	if !e.Started() {
		return nil, false, fmt.Errorf("lab %s is not started: run vitro lab start %s first", e.Lab.ID, e.Lab.ID)
	}
	var out []CheckResult
	pass := true
	for _, c := range e.Lab.Checks {
		obs, ok, err := c.Run(ctx, e)
		if err != nil {
			return out, false, fmt.Errorf("check %q: %w", c.Name, err)
		}
		r := CheckResult{Name: e.Expand(c.Name), OK: ok, Observed: obs}
		if !ok {
			pass = false
			r.Hint = e.Expand(c.Hint)
		}
		out = append(out, r)
	}
	return out, pass, nil
}

// Hint returns the hint for the first failing check, or "" if all pass.
// Asking for a hint is not an attempt: nothing is recorded.
func (e *LabEnv) Hint(ctx context.Context) (string, error) {
	rs, _, err := e.runChecks(ctx)
	if err != nil {
		return "", err
	}
	for _, r := range rs {
		if !r.OK {
			return fmt.Sprintf("%s — not yet: %s\nhint: %s", r.Name, r.Observed, r.Hint), nil
		}
	}
	return "", nil
}

// ApplySolution does the documented solution.
func (e *LabEnv) ApplySolution(ctx context.Context) error {
	if !e.Started() {
		if _, err := e.Start(ctx); err != nil {
			return err
		}
	}
	if err := e.Lab.Apply(ctx, e); err != nil {
		return fmt.Errorf("applying the solution of %s: %w", e.Lab.ID, err)
	}
	return e.saveState()
}

// Reset removes everything the lab and the student made and returns a
// line for each thing removed.
func (e *LabEnv) Reset(ctx context.Context) ([]string, error) {
	var removed []string
	for _, p := range e.State.Procs {
		if killProc(p) {
			removed = append(removed, fmt.Sprintf("process %d (started by the lab)", p.PID))
		}
	}
	var errs []string
	if e.Lab.Teardown != nil {
		r, err := e.Lab.Teardown(ctx, e)
		removed = append(removed, r...)
		if err != nil {
			errs = append(errs, err.Error())
		}
	}
	if _, err := os.Stat(e.Dir); err == nil {
		// Never remove through a mount: detach what is mounted inside first.
		um, err := unmountUnder(e.Dir)
		removed = append(removed, um...)
		if err != nil {
			errs = append(errs, err.Error())
		} else if err := os.RemoveAll(e.Dir); err != nil {
			errs = append(errs, err.Error())
		} else {
			removed = append(removed, "directory "+e.Dir)
		}
	}
	e.State = &LabState{}
	if e.Lab.Residue != nil {
		e.cache = map[string]any{}
		if left := e.Lab.Residue(e); len(left) > 0 {
			errs = append(errs, "still there: "+strings.Join(left, ", "))
		}
	}
	if len(errs) > 0 {
		return removed, fmt.Errorf("reset of lab %s left something behind: %s", e.Lab.ID, strings.Join(errs, "; "))
	}
	return removed, nil
}
