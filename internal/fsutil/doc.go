// Package fsutil holds the two file operations every piece of vitro state
// relies on: an atomic write (temp file, fsync, rename, fsync of the
// directory; WriteAtomic and the helpers over it) and an advisory lock
// (flock, exclusive or shared, over github.com/gofrs/flock) that also
// works across processes. Nothing else in vitro writes a file by rename
// or takes a flock of its own.
package fsutil
