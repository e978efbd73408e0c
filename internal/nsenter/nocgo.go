//go:build !linux || !cgo

package nsenter

// Supported is false: this binary was built without cgo (CGO_ENABLED=0 or
// no C compiler), so it has no constructor and cannot join mount, user or
// time namespaces. Rebuild with CGO_ENABLED=1.
const Supported = false
