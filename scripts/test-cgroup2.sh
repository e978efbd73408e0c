#!/usr/bin/env bash
# test-cgroup2.sh — run vitro's cgroup tests inside a VM booted with pure
# cgroup v2 (cgroup2 alone at /sys/fs/cgroup, no v1 hierarchy), as on
# current Debian, Ubuntu and Fedora. The host may be v1, hybrid or v2.
#
# It builds each package's test binary statically (go test -c), boots
# Debian's kernel (/boot/vmlinuz-*, linux-image-amd64) under qemu with an
# initramfs holding busybox and those binaries (internal/vm), runs each
# with -test.v and VITRO_REQUIRE_PRIVILEGED=1 (a test that cannot run
# fails, never skips), and exits 0 only if all of them passed.
#
# Usage: scripts/test-cgroup2.sh [vmtest run flags...]
#   e.g. scripts/test-cgroup2.sh -accel tcg -arg=-test.run=Memory
# Environment:
#   VITRO_VM_PKGS     packages to test
#                     (default: ./internal/vm/guesttest ./cgroupdemo ./engine)
#   VITRO_VM_MODULES  kernel modules to load in the guest, with their
#                     dependencies (default: what ./engine needs, below)
#   VITRO_VM_TIMEOUT  hard limit for the boot (default: 20m)
#   VITRO_VM_ACCEL    kvm or tcg (default: kvm if a probe boot works, else tcg)
# Needs: qemu-system-x86, linux-image-amd64, busybox-static (make setup).
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
pkgs=${VITRO_VM_PKGS:-./internal/vm/guesttest ./cgroupdemo ./engine}
# The guest has no modprobe, so nothing loads on demand: `vitro run`
# (./engine) needs overlay for the root, veth and bridge for the network,
# nf_tables NAT for masquerade and -p (nft_chain_nat, nft_masq, nft_nat,
# nft_fib_ipv4 for "fib daddr type local"), and xfrm_user because
# netlink.NewHandleAt opens an XFRM socket beside the route one.
# crc32c_generic first: libcrc32c (needed by nf_tables) asks for it as a
# softdep, which the harness does not follow (it reads modules.dep only).
# loop: the devices tests bind a loop device to a file. nft_ct: the bridge's
# rule dropping packets to 127.0.0.0/8 that were not DNAT'd (ct status).
modules=${VITRO_VM_MODULES-crc32c_generic overlay veth bridge nft_chain_nat nft_masq nft_nat nft_fib_ipv4 nft_ct xfrm_user loop}
modflags=()
for m in $modules; do
	modflags+=("-module" "$m")
done

work=$(mktemp -d "${TMPDIR:-/tmp}/vitro-cgroup2.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

echo "test-cgroup2: building the harness and the test binaries in $work"
$GO build -o "$work/vmtest" ./internal/vm/cmd/vmtest
mkdir "$work/bin"
bins=()
for pkg in $pkgs; do
	out="$work/bin/$(basename "$pkg").test"
	# Static: without cgo, or, if the package or a dependency has cgo
	# files, with cgo linked statically.
	cgo=$(CGO_ENABLED=1 $GO list -deps -test -f '{{if and .CgoFiles (not .Standard)}}{{.ImportPath}}{{end}}' "$pkg" | sort -u | tr '\n' ' ')
	if [ -z "$cgo" ]; then
		CGO_ENABLED=0 $GO test -c -o "$out" "$pkg"
	else
		echo "test-cgroup2: $pkg uses cgo (${cgo% }): linking it statically"
		CGO_ENABLED=1 $GO test -c -ldflags '-extldflags -static' -o "$out" "$pkg"
	fi
	if [ ! -f "$out" ]; then
		echo "test-cgroup2: $pkg has no tests to run in the VM" >&2
		exit 1
	fi
	bins+=("$out")
done

"$work/vmtest" run -timeout "${VITRO_VM_TIMEOUT:-20m}" "${modflags[@]}" "$@" "${bins[@]}"
