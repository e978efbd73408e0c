package engine

import (
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/vitro-dev/vitro/internal/trace"
)

// newSessionKeyring gives the calling thread a new, empty, anonymous
// session keyring, as runc does for every container. Keys are not
// namespaced: without this the container would inherit the session
// keyring of the shell that ran vitro, and could read (it possesses
// them) and add keys there. A NULL name makes the kernel create a fresh
// keyring; a name would join an existing keyring of that name.
// Credentials are per thread: call it on the thread that execs.
//
// Shell equivalent: keyctl new_session
func newSessionKeyring() error {
	id, _, e := unix.Syscall(unix.SYS_KEYCTL, unix.KEYCTL_JOIN_SESSION_KEYRING, 0, 0)
	if e != 0 {
		if e == unix.ENOSYS {
			return nil // a kernel without keys: nothing to share
		}
		return fmt.Errorf("keyctl(KEYCTL_JOIN_SESSION_KEYRING, NULL): %w", e)
	}
	trace.Action("session keyring", trace.Int("id", int64(id)), trace.Str("what", "new and empty: the caller's keys are out of reach"))
	trace.Shell("keyctl new_session")
	return nil
}
