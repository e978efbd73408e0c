package nsdemo

import (
	"fmt"
	"os"
	"strconv"
	"testing"
)

// The inode is the number the kernel prints in the ns link, "uts:[N]":
// what a student sees with ls -l /proc/PID/ns.
func TestInodeIsTheLinkNumber(t *testing.T) {
	for _, typ := range Types {
		link, err := os.Readlink("/proc/" + strconv.Itoa(os.Getpid()) + "/ns/" + typ.Name)
		if os.IsNotExist(err) {
			continue // a kernel without this type
		}
		if err != nil {
			t.Fatal(err)
		}
		got, err := Inode(os.Getpid(), typ.Name)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("%s:[%d]", typ.Name, got); link != want {
			t.Errorf("Inode(self, %s) = %d, but the link reads %q", typ.Name, got, link)
		}
	}
}

func TestCloneFlagNames(t *testing.T) {
	mnt, _ := Lookup("mnt")
	net, _ := Lookup("net")
	if got, want := CloneFlagNames(mnt.Flag|net.Flag|0x1000000), "CLONE_NEWNS|CLONE_NEWNET"; got != want {
		t.Errorf("CloneFlagNames = %q, want %q", got, want)
	}
	if got := CloneFlagNames(0); got != "" {
		t.Errorf("CloneFlagNames(0) = %q, want empty", got)
	}
}
