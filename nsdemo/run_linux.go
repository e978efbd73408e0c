package nsdemo

import (
	"context"

	"github.com/vitro-dev/vitro/internal/nsenter"
)

// Run runs the demo of the namespace type called name.
func Run(ctx context.Context, name string, opts Options) (Outcome, error) {
	if err := CheckType(name); err != nil {
		return nil, err
	}
	switch name {
	case "uts":
		return orNil(UTS(ctx, opts))
	case "pid":
		return orNil(PID(ctx, opts))
	case "mnt":
		return orNil(Mnt(ctx, opts))
	case "ipc":
		return orNil(IPC(ctx, opts))
	case "net":
		return orNil(Net(ctx, opts))
	case "user":
		return orNil(User(ctx, opts))
	case "cgroup":
		return orNil(Cgroup(ctx, opts))
	default: // "time"
		return orNil(Time(ctx, opts))
	}
}

// orNil keeps a typed nil pointer from becoming a non-nil interface.
func orNil[T interface {
	*E
	Outcome
}, E any](r T, err error) (Outcome, error) {
	if r == nil {
		return nil, err
	}
	return r, err
}

// Enter prepares argv to run inside the namespaces of types of process
// pid, like nsenter(1). It checks the names, opens the namespaces and
// returns the command to Start or Run. See internal/nsenter for how the
// joining happens before the Go runtime starts.
//
// Shell equivalent: nsenter --target PID --uts --mount ... -- ARGV
func Enter(pid int, types []string, argv []string) (*nsenter.Cmd, error) {
	for _, t := range types {
		if err := CheckType(t); err != nil {
			return nil, err
		}
	}
	return nsenter.Command(pid, types, argv)
}
