package netdemo

import (
	"fmt"
	"runtime"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// ProbeLinks creates a bridge and a veth pair in a throwaway network
// namespace, to learn whether the kernel supports them, and touches
// nothing on the host.
//
// The namespace is made by unshare(CLONE_NEWNET) on a locked OS thread
// that is never unlocked: when the goroutine ends, the Go runtime retires
// that thread, and the namespace goes with it. No switch back is needed,
// so none can fail.
//
// Shell equivalent: unshare --net sh -c 'ip link add b0 type bridge && ip link add v0 type veth peer name v1'
func ProbeLinks() (bridge, veth error) {
	type result struct{ bridge, veth error }
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		// Deliberately no UnlockOSThread: see above.
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			err = fmt.Errorf("unshare(CLONE_NEWNET): %w", err)
			done <- result{err, err}
			return
		}
		var r result
		br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: "probe-br0"}}
		if err := netlink.LinkAdd(br); err != nil {
			r.bridge = fmt.Errorf("ip link add probe-br0 type bridge: %w", err)
		}
		ve := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "probe-v0"}, PeerName: "probe-v1"}
		if err := netlink.LinkAdd(ve); err != nil {
			r.veth = fmt.Errorf("ip link add probe-v0 type veth: %w", err)
		}
		done <- r
	}()
	r := <-done
	return r.bridge, r.veth
}
