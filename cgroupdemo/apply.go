package cgroupdemo

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/vitro-dev/vitro/internal/trace"
)

// Applied is one write as it was made: the file's full path and the value.
type Applied struct {
	Path    string `json:"path"`
	Value   string `json:"value"`
	Skipped bool   `json:"skipped,omitempty"` // an optional file this kernel lacks
}

// Shell is the shell command that makes the same write.
func (a Applied) Shell() string {
	if a.Skipped {
		return "# " + a.Path + " does not exist here: skipped"
	}
	return "echo " + shellQuote(a.Value) + " > " + a.Path
}

func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\"'$\\|&;<>*?()") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// WriteError is a write the kernel refused, with the path, the value and,
// where the errno has a well-known cause in cgroups, what it means.
type WriteError struct {
	Path  string
	Value string
	Err   error
}

func (e *WriteError) Error() string {
	msg := fmt.Sprintf("writing %q to %s: %v", e.Value, e.Path, e.Err)
	if h := e.hint(); h != "" {
		msg += " (" + h + ")"
	}
	return msg
}

func (e *WriteError) Unwrap() error { return e.Err }

func (e *WriteError) hint() string {
	file := filepath.Base(e.Path)
	switch {
	case errors.Is(e.Err, syscall.EBUSY) && file == "cgroup.subtree_control":
		return "v2's no-internal-processes rule: a cgroup holding processes cannot hand controllers to children; move them into a leaf first"
	case errors.Is(e.Err, syscall.ENOSPC) && file == "cgroup.procs":
		return "v1 cpuset cgroups need cpuset.cpus and cpuset.mems set before a task may join"
	case errors.Is(e.Err, syscall.EOPNOTSUPP) && file == "cgroup.procs":
		return "the cgroup is threaded or its parent has controllers enabled: processes go in leaves"
	case errors.Is(e.Err, syscall.EINVAL) && strings.HasPrefix(file, "cpuset."):
		return "the CPUs or memory nodes must be a subset of the parent's"
	case errors.Is(e.Err, syscall.EINVAL) && strings.Contains(file, "memsw"):
		return "memory+swap cannot be below the memory limit"
	case errors.Is(e.Err, syscall.EINVAL) && file == "memory.limit_in_bytes":
		return "on v1 the memory limit cannot exceed memory.memsw.limit_in_bytes: raise that first, or the limit is below what is in use"
	case errors.Is(e.Err, syscall.EINVAL):
		return "the kernel rejected the value for this file"
	case errors.Is(e.Err, syscall.ESRCH):
		return "no such process"
	}
	return ""
}

// Apply performs writes on cgroup c, in order, stopping at the first
// failure. It is the one place where vitro writes cgroup files: each write
// is traced with its shell equivalent and recorded in c's log.
func (c *Cgroup) Apply(ws []Write) error {
	for _, w := range ws {
		name := w.Cgroup
		if name == "" {
			name = c.Name
		}
		dir, err := c.drv.Dir(name, w.Controller)
		if err != nil {
			return err
		}
		path := filepath.Join(dir, w.File)
		a := Applied{Path: path, Value: w.Value}
		err = writeFile(path, w.Value)
		if err != nil && w.Optional && errors.Is(err, fs.ErrNotExist) {
			a.Skipped, err = true, nil
		}
		if err != nil {
			return &WriteError{Path: path, Value: w.Value, Err: unwrapPathError(err)}
		}
		c.mu.Lock()
		c.log = append(c.log, a)
		c.mu.Unlock()
		if a.Skipped {
			trace.Action("cgroup skip", trace.Str("file", path), trace.Str("reason", "not offered by this kernel"))
			continue
		}
		trace.Action("cgroup write", trace.Str("file", path), trace.Str("value", w.Value))
		if trace.Enabled(trace.Steps) {
			trace.Shell(a.Shell())
		}
	}
	return nil
}

// writeFile writes value to an existing file in one write(2), as the
// kernel wants cgroup values. It never creates the file.
func writeFile(path, value string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(value)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
