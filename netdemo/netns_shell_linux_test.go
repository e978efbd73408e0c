package netdemo

import (
	"errors"
	"net"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// The shell equivalents must be commands that work: `ip -n` and `netns
// NAME` take only names from /run/netns, so a process's namespace (the
// engine's "container ID") is named by its PID instead.
func TestShellNamesOfANamespace(t *testing.T) {
	ours := &NS{Label: "vdemo-a"}
	theirs := &NS{Label: "container 05cf937bcd07", pid: 16610}
	for _, c := range []struct{ got, want string }{
		{ours.shellName(), "vdemo-a"},
		{ours.shellExec(), "ip netns exec vdemo-a"},
		{Links{ns: ours.Label}.ip(), "ip -n vdemo-a"},
		{theirs.shellName(), "16610"},
		{theirs.shellExec(), "nsenter -t 16610 -n"},
		{Links{ns: theirs.Label, pid: theirs.pid}.ip(), "nsenter -t 16610 -n ip"},
		{HostLinks().ip(), "ip"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// A bind refused for an address that is not this host's says so, instead
// of blaming the port; a port in use is still called not free.
func TestBindErrorNamesTheCause(t *testing.T) {
	m := PortMapping{HostIP: "1.2.3.4", HostPort: 8080, ContainerPort: 80, Proto: "tcp"}
	_, err := net.Listen("tcp4", "1.2.3.4:0") // no socket is ever connected: bind only
	if !errors.Is(err, unix.EADDRNOTAVAIL) {
		t.Skipf("binding 1.2.3.4 here gave %v, not EADDRNOTAVAIL", err)
	}
	if got := bindError(m, err).Error(); !strings.Contains(got, "1.2.3.4 is not an address of this host") {
		t.Errorf("bindError(EADDRNOTAVAIL) = %q", got)
	}
	m.HostIP = "127.0.0.1"
	inUse := &net.OpError{Op: "listen", Net: "tcp4", Err: &os.SyscallError{Syscall: "bind", Err: unix.EADDRINUSE}}
	if got := bindError(m, inUse).Error(); !strings.Contains(got, "host port 8080/tcp is not free") {
		t.Errorf("bindError(EADDRINUSE) = %q", got)
	}
}
