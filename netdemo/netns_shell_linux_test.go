package netdemo

import "testing"

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
