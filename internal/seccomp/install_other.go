//go:build !linux

package seccomp

import "errors"

func kernelRelease() string { return "" }

// Install is Linux-only.
func Install(raw []byte) error { return errors.New("seccomp: Linux only") }
