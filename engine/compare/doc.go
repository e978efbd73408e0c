// Package compare measures the same small workload as a plain host
// process, a vitro container and a virtual machine (and, where installed,
// runc, crun and docker) and puts the figures beside the claims
// container-vs-VM tables usually make: `vitro compare`.
//
// Every contender runs one busybox shell script (workload.go), so the
// programs are the same everywhere: a shell arithmetic loop (CPU-bound),
// dd with one-byte blocks (two system calls a byte), dd with fsync (file
// I/O), and reads of uname, /proc/version, /proc and /proc/net/dev (the
// kernel and what the instance sees). The script prints marker lines
// ("VC begin cpu" ... "VC end cpu"); vitro timestamps each line as it
// arrives, so every figure is taken by the same clock, the host's.
//
// The VM runs through a helper binary, bin/vitro-vm (cmd/vitro-vm), so
// this package and the vitro binary never link internal/vm; the helper's
// protocol is vmproto.
//
//	stats.go      median and min–max of a row's samples
//	workload.go   the script, its sizes, and parsing its marker lines
//	report.go     rows, claims, what each row means; building the report
//	cells.go      each row's figure for one contender
//	explain.go    how each row is measured (--explain)
//	render.go     the tables people read; chart.go the SVG bar chart
//	host_linux.go, vitro_linux.go, vm_linux.go, oci_linux.go (runc, crun),
//	docker_linux.go: the contenders
//	memory_linux.go   RSS, PSS and cgroup memory
//	run_linux.go      the run: runs round the contenders, then density
package compare
