package netdemo

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/vitro-dev/vitro/internal/reexec"
)

// The child of TestIPAMConcurrentProcesses: allocate one address from the
// pool named by its arguments and print it.
func init() {
	reexec.Register("netdemo-test-allocate", func() {
		dir, cidr, owner := os.Args[1], os.Args[2], os.Args[3]
		s, err := ParseSubnet(cidr)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		ip, err := NewPool(dir, s).Allocate(owner)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		fmt.Println(ip.IP)
	})
}

func testPool(t *testing.T, cidr string) *Pool {
	t.Helper()
	s, err := ParseSubnet(cidr)
	if err != nil {
		t.Fatal(err)
	}
	return NewPool(t.TempDir(), s)
}

// Fifty processes allocate at the same moment: the flock around each
// read-modify-write must give them fifty different addresses.
func TestIPAMConcurrentProcesses(t *testing.T) {
	const n = 50
	p := testPool(t, "10.200.0.1/24")
	cmds := make([]*exec.Cmd, n)
	outs := make([]*bytes.Buffer, n)
	for i := range cmds {
		c := reexec.Command("netdemo-test-allocate", p.Dir, "10.200.0.1/24", fmt.Sprintf("proc-%d", i))
		outs[i] = &bytes.Buffer{}
		c.Stdout, c.Stderr = outs[i], outs[i]
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[i] = c
	}
	seen := map[string]int{}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Errorf("process %d: %v: %s", i, err, outs[i])
			continue
		}
		ip := strings.TrimSpace(outs[i].String())
		if prev, dup := seen[ip]; dup {
			t.Errorf("processes %d and %d both got %s", prev, i, ip)
		}
		seen[ip] = i
	}
	st, err := p.State()
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != n || len(st.Allocated) != n {
		t.Fatalf("%d distinct addresses printed, %d in the state file; want %d", len(seen), len(st.Allocated), n)
	}
	// Lowest free first: together they hold exactly .2 to .51.
	addrs := st.Addresses()
	if addrs[0] != "10.200.0.2" || addrs[n-1] != "10.200.0.51" {
		t.Errorf("allocated %s … %s, want 10.200.0.2 … 10.200.0.51", addrs[0], addrs[n-1])
	}
	for _, a := range addrs {
		if st.Allocated[a].Owner == "" {
			t.Errorf("%s has no owner", a)
		}
	}
}

func TestIPAMReleaseReuseAndFull(t *testing.T) {
	p := testPool(t, "10.200.1.1/29") // usable: .2–.6
	var got []string
	for i := 0; i < 5; i++ {
		ip, err := p.Allocate(fmt.Sprint("c", i))
		if err != nil {
			t.Fatalf("allocation %d: %v", i, err)
		}
		if ones, _ := ip.Mask.Size(); ones != 29 {
			t.Errorf("address %s has mask /%d, want /29", ip, ones)
		}
		got = append(got, ip.IP.String())
	}
	if strings.Join(got, " ") != "10.200.1.2 10.200.1.3 10.200.1.4 10.200.1.5 10.200.1.6" {
		t.Fatalf("allocated %v", got)
	}
	_, err := p.Allocate("one-too-many")
	if !errors.Is(err, ErrPoolFull) || !strings.Contains(err.Error(), "10.200.1.0/29") {
		t.Fatalf("allocation from a full pool: %v, want ErrPoolFull naming the subnet", err)
	}
	if err := p.Release(net.ParseIP("10.200.1.4")); err != nil {
		t.Fatal(err)
	}
	if err := p.Release(net.ParseIP("10.200.1.4")); !errors.Is(err, ErrNotAllocated) {
		t.Errorf("double release: %v, want ErrNotAllocated", err)
	}
	ip, err := p.Allocate("reuser")
	if err != nil || ip.IP.String() != "10.200.1.4" {
		t.Fatalf("after releasing .4, allocated %v, %v", ip, err)
	}
	// The state survives in the file: a new Pool value sees it.
	st, err := NewPool(p.Dir, p.Subnet).State()
	if err != nil {
		t.Fatal(err)
	}
	if st.Allocated["10.200.1.4"].Owner != "reuser" || len(st.Allocated) != 5 {
		t.Errorf("state read back: %+v", st.Allocated)
	}
	if err := p.Reserve(net.ParseIP("10.200.1.1"), "x"); err == nil {
		t.Error("reserving the gateway succeeded")
	}
	if err := p.Remove(); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(p.Dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if len(names) != 0 {
		t.Errorf("files left after Remove: %v", names)
	}
}

func TestIPAMCorruptState(t *testing.T) {
	p := testPool(t, "10.200.2.1/24")
	if err := os.WriteFile(p.Path(), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Allocate("x"); err == nil || !strings.Contains(err.Error(), p.Path()) {
		t.Errorf("corrupt state: %v, want an error naming the file", err)
	}
}
