package nsdemo

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/vitro-dev/vitro/internal/table"
)

// Row is one thing looked at from both sides: what the host sees beside
// what the process in the new namespace sees.
type Row struct {
	What   string `json:"what"`
	Host   string `json:"host"`
	Inside string `json:"inside"`
}

// InodeRow compares one namespace type: the host's inode (read on the
// vitro thread that forked the child, so what the child inherited) and
// the child's, /proc/<child>/ns/<type>.
// Two processes share a namespace exactly when the inodes are equal.
type InodeRow struct {
	Type    string `json:"type"`
	Host    uint64 `json:"host"`
	Inside  uint64 `json:"inside"`
	Differs bool   `json:"differs"`
}

// Action is one thing done to the kernel, in order, by the parent (vitro)
// or the child (the process in the new namespace).
type Action struct {
	By     string `json:"by"` // "parent" or "child"
	Call   string `json:"call"`
	Detail string `json:"detail,omitempty"`
}

// Result is what every demo returns, whatever its namespace.
type Result struct {
	Type     string     `json:"type"`
	Flag     string     `json:"flag"`
	ChildPID int        `json:"childPID"` // the demo process, as the host numbers it
	Inodes   []InodeRow `json:"inodes"`
	Actions  []Action   `json:"actions"`
	Shell    []string   `json:"shell"`              // the same demo with util-linux and a shell
	ExitCode *int       `json:"exitCode,omitempty"` // the program's, when one ran (-- CMD)
}

// Summary returns the part every demo has.
func (r *Result) Summary() *Result { return r }

// Outcome is a demo's result: the common part and the rows that compare
// host and inside for its namespace.
type Outcome interface {
	Summary() *Result
	Compare() []Row
	// Tables lays the result out for people (vitro ns TYPE, the lessons):
	// what it is, the comparison, the inode table, the calls made and the
	// shell equivalent.
	Tables() []table.Table
}

// tables is every demo's Tables: its Compare rows in the common layout.
func tables(o Outcome) []table.Table {
	s := o.Summary()
	t, _ := Lookup(s.Type)
	cmp := table.Table{Header: []string{"", "host", "inside the new " + t.Name + " namespace"}}
	for _, row := range o.Compare() {
		cmp.Append(row.What, row.Host, row.Inside)
	}
	inodes := table.Table{Title: "Namespace inodes (/proc/<pid>/ns/<type>): equal means shared.",
		Header: []string{"type", "host", "demo process", ""}}
	for _, row := range s.Inodes {
		mark := "shared"
		if row.Differs {
			mark = "NEW"
		}
		inodes.Append(row.Type, strconv.FormatUint(row.Host, 10), strconv.FormatUint(row.Inside, 10), mark)
	}
	steps := table.Table{Title: "What was asked of the kernel, in order:", Header: []string{"#", "by", "call", "detail"}}
	for i, a := range s.Actions {
		steps.Append(strconv.Itoa(i+1), a.By, a.Call, a.Detail)
	}
	return []table.Table{
		table.Text("%s namespace: isolates %s (%s, Linux %s). Demo process: host PID %d.", t.Name, t.Isolates, t.CloneFlag, t.Since, s.ChildPID),
		cmp, inodes, steps,
		table.Commands("The same with a shell:", s.Shell),
	}
}

// Differing lists the namespace types whose inodes differ. After a demo
// it is exactly the demonstrated type: that is the proof of "in
// isolation".
func (r *Result) Differing() []string {
	var d []string
	for _, row := range r.Inodes {
		if row.Differs {
			d = append(d, row.Type)
		}
	}
	return d
}

// Options change what a demo does. The zero value runs the demo and
// returns its result.
type Options struct {
	// Hostname is set inside the UTS demo. The default is "vitro-demo".
	Hostname string
	// Argv, when set, is run inside the namespace once the demo has shown
	// its result (vitro ns uts -- /bin/sh), with Stdin, Stdout and Stderr.
	// The demo's Result.ExitCode is its exit status.
	Argv           []string
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Ready, when set, is called with the complete result while the demo
	// process still runs and its namespace exists: vitro ns prints there,
	// and tests join the namespace with Enter. An error ends the demo.
	Ready func(Outcome) error
	// MapUID and MapGID are the first host IDs that the user demo maps
	// uid and gid 0 to, 65536 of each. The default is 100000.
	MapUID, MapGID int
	// TimeOffset is added to CLOCK_MONOTONIC and CLOCK_BOOTTIME by the
	// time demo, in whole seconds. The default is 10 days.
	TimeOffset int64
	// CgroupParent is where the cgroup demo makes its cgroup, relative to
	// the hierarchy's root. The default is "vitro".
	CgroupParent string
}

// ErrUnknownType is returned for a namespace name that is not one of Types.
var ErrUnknownType = errors.New("unknown namespace type")

// CheckType returns an error naming the valid types if name is not one.
func CheckType(name string) error {
	if _, ok := Lookup(name); !ok {
		return fmt.Errorf("namespace %q: %w: want one of %s", name, ErrUnknownType, strings.Join(Names(), ", "))
	}
	return nil
}

// ExecError is returned when the program given with -- CMD could not be
// started inside the namespace. Its exit code follows the shell's: 127
// not found, 126 not executable.
type ExecError struct {
	Argv []string
	Msg  string
	Code int
}

func (e *ExecError) Error() string {
	return fmt.Sprintf("running %q inside the namespace: %s", strings.Join(e.Argv, " "), e.Msg)
}

// ExitCode is the shell's status for the failure.
func (e *ExecError) ExitCode() int { return e.Code }
