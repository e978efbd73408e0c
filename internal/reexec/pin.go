package reexec

import "runtime"

// Namespaces belong to threads, not processes. vitro switches namespaces
// only on goroutines that lock their thread and end without unlocking it,
// so that the runtime retires the thread rather than reuse it. One thread
// cannot be retired: the main thread, which /proc/self/ns describes and
// which the kernel uses as the process's face. If such a goroutine ever ran
// there, the runtime would park the main thread in the foreign namespace
// and /proc/self/ns would lie from then on.
//
// Locking the thread in an init function keeps the main goroutine on the
// main thread for the life of the program (see runtime.LockOSThread), so
// no other goroutine is ever scheduled there. Every vitro binary and test
// binary that may switch namespaces imports this package.
func init() {
	runtime.LockOSThread()
}
