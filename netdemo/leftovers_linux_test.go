package netdemo

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/vishvananda/netlink"
)

// leftovers lists, by looking at the kernel, anything of ours still
// there: host links and nft tables with one of the names (or, for a name
// ending in '*', starting with it), and network namespaces with one of
// the inodes (held by a process, a thread, an open fd or a bind mount).
// Names are exact, not a shared prefix, so that demos run at the same
// time by other tests or people are not mistaken for ours.
func leftovers(names []string, inodes []uint64) []string {
	var out []string
	ours := func(name string) bool {
		for _, p := range names {
			if p == name || (strings.HasSuffix(p, "*") && strings.HasPrefix(name, p[:len(p)-1])) {
				return true
			}
		}
		return false
	}
	links, _ := netlink.LinkList()
	for _, l := range links {
		if ours(l.Attrs().Name) {
			out = append(out, "link "+l.Attrs().Name)
		}
	}
	if c, err := nftables.New(); err == nil {
		tables, _ := c.ListTables()
		for _, t := range tables {
			if ours(t.Name) {
				out = append(out, "nft table "+t.Name)
			}
		}
	}
	if len(inodes) > 0 {
		want := map[string]bool{}
		for _, i := range inodes {
			want[fmt.Sprintf("net:[%d]", i)] = true
		}
		refs, _ := filepath.Glob("/proc/[0-9]*/task/[0-9]*/ns/net")
		fds, _ := filepath.Glob("/proc/[0-9]*/fd/*")
		for _, p := range append(refs, fds...) {
			if target, err := os.Readlink(p); err == nil && want[target] {
				out = append(out, "netns "+target+" held by "+p)
			}
		}
		mounts, _ := os.ReadFile("/proc/self/mountinfo")
		for i := range want {
			if strings.Contains(string(mounts), i) {
				out = append(out, "netns "+i+" bind-mounted")
			}
		}
	}
	return out
}

// assertClean fails t if any of the named links or tables, or the
// namespaces, are still there. A namespace's last thread may take a
// moment to exit after its goroutine ended, so it looks again for a
// while before failing.
func assertClean(t *testing.T, names []string, inodes ...uint64) {
	t.Helper()
	var left []string
	for i := 0; i < 50; i++ {
		if left = leftovers(names, inodes); len(left) == 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("left behind: %v", left)
}
