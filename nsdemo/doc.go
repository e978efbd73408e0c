// Package nsdemo shows each Linux namespace on its own: a child is started
// in exactly one new namespace, makes the change that namespace isolates,
// and the host's view is set beside the child's. Its primitives (clone
// flags, namespace inodes, setns) are the ones the engine composes.
package nsdemo
