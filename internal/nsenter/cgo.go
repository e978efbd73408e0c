//go:build linux && cgo

package nsenter

// Linking this file links nsenter.c, whose constructor runs before the Go
// runtime in every process of a binary that imports this package.

// #cgo CFLAGS: -Wall -Wextra -Werror
import "C"

// Supported reports whether this binary carries the constructor. It does
// when it was built with cgo (CGO_ENABLED=1, the default with a C
// compiler installed).
const Supported = true
