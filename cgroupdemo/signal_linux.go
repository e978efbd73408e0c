package cgroupdemo

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// unixSignalName is "SIGKILL" for 9.
func unixSignalName(s syscall.Signal) string {
	if n := unix.SignalName(s); n != "" {
		return n
	}
	return s.String()
}
