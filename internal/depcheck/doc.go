// Package depcheck holds only a test: the one that keeps vitro's
// dependencies pointing one way,
//
//	cmd → lessons → engine → {nsdemo, cgroupdemo, fsdemo, netdemo} → internal
//
// so that a mechanism shown in isolation never depends on the runtime built
// from it.
package depcheck
