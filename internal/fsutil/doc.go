// Package fsutil holds the two file operations every piece of vitro state
// relies on: an atomic write (temp file, fsync, rename, fsync of the
// directory) and an advisory lock (flock) that also works across
// processes.
package fsutil
