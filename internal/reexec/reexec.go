package reexec

import (
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
)

// prefix keeps entry-point names apart from anything a user could type
// as argv[0].
const prefix = "vitro-reexec:"

var entries = map[string]func(){}

// Register names an entry point. fn runs in the re-executed child and must
// not return normally: it should end with os.Exit or an exec. Register is
// meant to be called from init functions; a duplicate name panics, since
// that is a programming error found at start-up.
func Register(name string, fn func()) {
	if _, dup := entries[name]; dup {
		panic("reexec: entry point registered twice: " + name)
	}
	entries[name] = fn
}

// Init runs the entry point named by os.Args[0], if there is one, and
// reports whether it did. It must be the first thing main (or TestMain)
// does. If the entry point returns, Init exits with status 0.
func Init() bool {
	name, ok := strings.CutPrefix(os.Args[0], prefix)
	if !ok {
		return false
	}
	fn, ok := entries[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "vitro: unknown re-exec entry point %q (known: %s)\n", name, strings.Join(Names(), ", "))
		os.Exit(125)
	}
	fn()
	os.Exit(0)
	return true
}

// Names lists the registered entry points.
func Names() []string {
	var n []string
	for k := range entries {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Self is the path the child is started from. /proc/self/exe is the
// running binary even if its file was replaced or deleted since.
const Self = "/proc/self/exe"

// Command returns a bare command that runs entry point name with args:
// no sync socket, no death signal, no pinned thread. Launch builds on it;
// use it alone only for a process that needs none of those, such as the
// helpers a demo's child starts inside its own namespaces, or nsenter's
// child, which the setns constructor reads its orders from.
func Command(name string, args ...string) *exec.Cmd {
	return &exec.Cmd{
		Path: Self,
		Args: append([]string{prefix + name}, args...),
	}
}

// IsChild reports whether this process was started as an entry point.
func IsChild() bool { return strings.HasPrefix(os.Args[0], prefix) }
