package nsdemo

import (
	"os"
	"testing"
)

func TestAggregate(t *testing.T) {
	ns := Aggregate([]ProcNS{
		{PID: 30, Type: "uts", Inode: 7, UID: 0, Command: "c"},
		{PID: 10, Type: "uts", Inode: 7, UID: 1000, Command: "a"},
		{PID: 20, Type: "uts", Inode: 9, UID: 0, Command: "b"},
		{PID: 20, Type: "mnt", Inode: 99, UID: 0, Command: "b"},
	})
	if len(ns) != 3 {
		t.Fatalf("got %d namespaces: %+v", len(ns), ns)
	}
	// mnt comes first (Types order), then uts by inode.
	if ns[0].Type != "mnt" || ns[1].Inode != 7 || ns[2].Inode != 9 {
		t.Errorf("order: %+v", ns)
	}
	if ns[1].NProcs != 2 || ns[1].PID != 10 || ns[1].UID != 1000 || ns[1].Command != "a" {
		t.Errorf("uts 7 = %+v, want 2 processes, lowest PID 10 (uid 1000, a)", ns[1])
	}
}

func TestListSelf(t *testing.T) {
	ns, err := List(ListOptions{PID: os.Getpid()})
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) != len(Types) {
		t.Fatalf("namespaces of this process: %d, want %d", len(ns), len(Types))
	}
	for _, n := range ns {
		want, _ := Inode(os.Getpid(), n.Type)
		if n.Inode != want || n.NProcs < 1 || n.PID > os.Getpid() {
			t.Errorf("%+v: want inode %d, at least this process", n, want)
		}
	}
	uts, err := List(ListOptions{Type: "uts"})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range uts {
		if n.Type != "uts" {
			t.Errorf("--type uts listed %+v", n)
		}
	}
}

func TestListBadInput(t *testing.T) {
	if _, err := List(ListOptions{Type: "bogus"}); err == nil {
		t.Error("--type bogus accepted")
	}
	if _, err := List(ListOptions{PID: 1 << 30}); err == nil {
		t.Error("--pid of a process that does not exist accepted")
	}
}
