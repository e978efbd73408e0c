// Package seccomp reads seccomp profiles in docker's JSON format, compiles
// them to a classic BPF program for this machine's architecture, and
// installs the program on the calling thread. It holds vitro's default
// profile (docker's: an allowlist of about 350 system calls, with the
// dangerous ones — keyrings, bpf, kexec, mount, new namespaces, ... —
// allowed only to holders of the capability that would make them safe).
//
// The engine compiles once per container, in the parent, and sends the
// program to the container's init, which installs it just before execve.
// The OCI runtime's linux.seccomp uses the same Compile.
//
// Compilation is pure Go, a small assembler of its own (asm.go) over
// syscall tables generated from golang.org/x/sys/unix (gen_sysnum.go):
// no libseccomp, no cgo, and nothing built when a vitro process starts.
package seccomp
