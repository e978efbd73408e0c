package nsdemo

import (
	"testing"
	"time"

	"github.com/vitro-dev/vitro/internal/table"
)

// common is a Result with figures no demo would print by accident.
func common(typ string) Result {
	return Result{Type: typ, ChildPID: 43210,
		Inodes: []InodeRow{
			{Type: typ, Host: 4026531111, Inside: 4026532222, Differs: true},
			{Type: "zz", Host: 4026533333, Inside: 4026533333},
		},
		Actions: []Action{{By: "child", Call: "sethostname-call-x", Detail: "detail-y"}},
		Shell:   []string{"unshare --flag-z sh"},
	}
}

// commonFigures are what every demo's tables must show of common().
var commonFigures = []string{"43210", "4026531111", "4026532222", "4026533333", "NEW", "shared",
	"sethostname-call-x", "detail-y", "  $ unshare --flag-z sh"}

// TestTablesShowTheResult checks, for every result type, that its tables
// carry the result's figures: the common part (inodes, calls, shell) and
// the type's own comparison.
func TestTablesShowTheResult(t *testing.T) {
	for _, c := range []struct {
		o    Outcome
		want []string
	}{
		{&UTSResult{Result: common("uts"), HostHostname: "host-before", HostHostnameAfter: "host-after",
			InheritedHostname: "inherited-h", InsideHostname: "inside-h"},
			[]string{"uts namespace", "CLONE_NEWUTS", "host-before", "host-after", "inherited-h (a copy)", "inside-h", "inside the new uts namespace"}},
		{&PIDResult{Result: common("pid"), InsidePID: 1, InsidePPID: 0, SecondPID: 17, Threads: []int{2, 3},
			OrphanPID: 19, OrphanPPID: 1, ReapedPID: 23, HostProcCount: 311, InsideCount: 5,
			HostProcs: []HostProc{{HostPID: 5151, InsidePID: 4, NSpid: "5151\t4", Command: "sleeper"}}},
			[]string{"pid namespace", "311", "process sleeper", "PID 5151", "PID 4", "[2 3]", "PID 17", "PID 19's PPID = 1", "PID 23"}},
		{&MntResult{Result: common("mnt"), Target: "/tmp/target-t", HostRootPropagation: "shared:1",
			RootPropagationCopy: "shared:9", RootPropagation: "private",
			InsideMount: &MountEntry{ID: 771, Mountpoint: "/tmp/target-t", FSType: "tmpfs", Propagation: "private"},
			InsideFiles: []string{"made-inside"}, InsideMountCount: 29, HostMountCount: 31},
			[]string{"/tmp/target-t", "shared:1", "shared:9 (copied) → private", "(not mounted)", "id 771", "[made-inside]", "29", "31"}},
		{&IPCResult{Result: common("ipc"), HostShmKey: "0xh057", InsideShmKey: "0x1a51", HostShm: []string{"0xh057", "0xaaaa"},
			InsideShm: []string{"0x1a51"}, HostQueue: "hq", InsideQueue: "iq",
			InsideOpensHostShm: "ENOENT-a", InsideOpensHostQueue: "ENOENT-b", HostOpensInsideShm: "ENOENT-c", HostOpensInsideQueue: "ENOENT-d"},
			[]string{"0xh057 0xaaaa", "0x1a51", "/hq", "/iq", "ENOENT-a", "ENOENT-b", "ENOENT-c", "ENOENT-d"}},
		{&NetResult{Result: common("net"), HostLinks: []Link{{Index: 1, Name: "lo", Up: true}, {Index: 7, Name: "eth-host"}},
			InsideLinks: []Link{{Index: 1, Name: "lo"}}, InsideLinksAfter: []Link{{Index: 1, Name: "lo", Up: true}},
			HostLoopback: Link{Index: 1, Name: "lo", Up: true}, HostLoopbackAfter: Link{Index: 1, Name: "lo", Up: true}},
			[]string{"7:eth-host", "1:lo", "DOWN", "UP"}},
		{&UserResult{Result: common("user"), UIDMap: "0 100000 65536", HostUIDMap: "0 0 4294967295", InsideUID: 0, InsideGID: 0,
			HostUID: 100000, HostGID: 100001, InsideCapEff: "000001ffffffffff", HostCapEff: "000001fffeffffff", HostCapEffChild: "0000000000000000",
			File: "/tmp/made-file", FileUIDInside: 0, FileUIDHost: 100000, SethostnameError: "EPERM-x"},
			[]string{"0 100000 65536", "0 0 4294967295", "100000 / 100001", "0 / 0", "000001ffffffffff", "000001fffeffffff", "0000000000000000", "owner of /tmp/made-file", "EPERM-x"}},
		{&CgroupResult{Result: common("cgroup"), HostView: []string{"0::/vitro/demo-c", "1:name=x:/vitro/demo-c"}, InsideView: []string{"0::/", "1:name=x:/inside-only"}},
			[]string{"0::/vitro/demo-c", "1:name=x:/inside-only"}},
		{&TimeResult{Result: common("time"), Offset: 864000 * time.Second, HostOffsets: "monotonic 0 0", InsideOffsets: "monotonic 864000 0",
			HostAfter: Clocks{Monotonic: 100 * time.Second, Boottime: 101 * time.Second, Uptime: "101.00 7.00"},
			Inside:    Clocks{Monotonic: 864100 * time.Second, Boottime: 864101 * time.Second, Uptime: "864101.00 7.00"}},
			[]string{"monotonic 0 0", "monotonic 864000 0", "1m40s", "1m41s", "240h1m40s", "240h1m41s", "101.00 7.00", "864101.00 7.00"}},
	} {
		s := c.o.Summary()
		t.Run(s.Type, func(t *testing.T) {
			if miss := table.Missing(c.o.Tables(), append(c.want, commonFigures...)...); len(miss) > 0 {
				t.Errorf("%s's tables lack %q:\n%q", s.Type, miss, table.Strings(c.o.Tables()))
			}
		})
	}
}
