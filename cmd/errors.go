package cmd

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"
)

// Exit statuses, as docker uses them.
const (
	ExitVitro       = 125 // vitro itself failed
	ExitCannotExec  = 126 // the program exists but cannot be executed
	ExitNotFound    = 127 // the program does not exist
	exitCheckFailed = 1   // vitro check: a hard requirement is missing
)

// exitCoder is implemented by errors that carry their own exit status,
// such as a container program's exit code.
type exitCoder interface{ ExitCode() int }

// silentError exits with a status and prints nothing more: the command
// already said what happened (vitro check's table, a container's output).
type silentError struct{ code int }

func (e silentError) Error() string { return fmt.Sprintf("exit status %d", e.code) }
func (e silentError) ExitCode() int { return e.code }

// usageError is a command called the wrong way: its message starts with
// the command's path ("vitro run: ...") and says how to call it.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// flagParseError reports a flag that could not be parsed, naming the command,
// the flag and the value, without the parser's internals.
func flagParseError(c *cobra.Command, err error) error {
	msg := err.Error()
	var inv *pflag.InvalidValueError
	if errors.As(err, &inv) {
		f := inv.GetFlag()
		msg = fmt.Sprintf("--%s %q: %s", f.Name, inv.GetValue(), flagValueProblem(f.Value.Type(), inv.Unwrap()))
	}
	return usageError{fmt.Sprintf("%s: %s\nSee '%s --help'.", c.CommandPath(), msg, c.CommandPath())}
}

// flagValueProblem says in plain words what a flag's value should be.
func flagValueProblem(typ string, cause error) string {
	var num *strconv.NumError
	switch {
	case errors.As(cause, &num) && errors.Is(num.Err, strconv.ErrRange):
		return "out of range for " + typ
	case strings.HasPrefix(typ, "int"), strings.HasPrefix(typ, "uint"):
		return "want a whole number"
	case strings.HasPrefix(typ, "float"):
		return "want a number"
	case typ == "bool":
		return "want true or false"
	case typ == "duration":
		return "want a duration such as 500ms, 10s or 1m30s"
	case cause != nil:
		return cause.Error()
	}
	return "invalid " + typ
}

// exitCode maps an error to the process's exit status.
func exitCode(err error) int {
	var ec exitCoder
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	return ExitVitro
}

// hint suggests what to do about an error, or "" when the message says it all.
func hint(err error) string {
	switch {
	case errors.Is(err, unix.EPERM), errors.Is(err, fs.ErrPermission):
		return "run as root (vitro needs CAP_SYS_ADMIN for namespaces and mounts, CAP_NET_ADMIN for links)"
	case errors.Is(err, unix.EBUSY):
		return "something still uses it: a process in the cgroup, a mount below the path, or a shell whose working directory is inside"
	case errors.Is(err, unix.ENOSPC):
		return "a limit was reached: disk space, inotify watches, or the kernel's namespace count (see /proc/sys/user/max_*_namespaces)"
	case errors.Is(err, unix.ENODEV):
		return "the kernel lacks this filesystem or device: try modprobe, then vitro check"
	}
	return ""
}

// reportError prints err the one way vitro prints errors and returns the
// exit status.
func reportError(w io.Writer, err error) int {
	code := exitCode(err)
	var s silentError
	var quiet interface{ Silent() bool }
	if errors.As(err, &s) || (errors.As(err, &quiet) && quiet.Silent()) {
		return code
	}
	msg := err.Error()
	var usage usageError
	if !strings.HasPrefix(msg, "vitro:") && !errors.As(err, &usage) {
		msg = "vitro: " + msg
	}
	fmt.Fprintln(w, msg)
	if h := hint(err); h != "" {
		fmt.Fprintln(w, "hint: "+h)
	}
	return code
}
