// Package helperbin finds vitro's helper programs: small binaries that
// live next to the vitro executable (`make build` writes bin/vitro and,
// beside it, bin/vitro-vm and any other cmd/vitro-* program), so that the
// vitro command itself never links what only they need (the VM harness,
// xz, ...).
//
// The rule, for every command that runs a helper:
//
//  1. $VITRO_HELPER_DIR/NAME, when that variable is set (tests, packagers);
//  2. otherwise NAME in the directory of the running vitro executable
//     (os.Executable, symlinks resolved).
//
// PATH is not searched: a helper must come from the same build as vitro.
// When the helper is absent, Find's error names where it looked and says
// how to build it.
package helperbin
