package nsdemo

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	_ "github.com/vitro-dev/vitro/internal/nsenter" // the setns constructor, for Enter's tests
	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/testenv"
)

func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}

// testCtx gives a demo a deadline, so a wedged child fails the test
// instead of hanging the suite.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// onlyDiffers asserts the proof of isolation: of all eight namespace
// types, exactly typ differs between host and child.
func onlyDiffers(t *testing.T, r *Result, typ string) {
	t.Helper()
	if len(r.Inodes) != len(Types) {
		t.Fatalf("inode table has %d rows, want %d", len(r.Inodes), len(Types))
	}
	for _, row := range r.Inodes {
		if row.Host == 0 || row.Inside == 0 {
			t.Errorf("%s: zero inode %+v", row.Type, row)
		}
	}
	if d := r.Differing(); !slices.Equal(d, []string{typ}) {
		t.Errorf("namespaces that differ = %v, want only [%s]; table %+v", d, typ, r.Inodes)
	}
}

// hostNamespaces snapshots this process's namespace inodes.
func hostNamespaces(t *testing.T) map[string]uint64 {
	t.Helper()
	m := map[string]uint64{}
	for _, ty := range Types {
		ino, err := Inode(os.Getpid(), ty.Name)
		if err != nil {
			t.Fatal(err)
		}
		m[ty.Name] = ino
	}
	return m
}

// processGone asserts that the demo child was reaped.
func processGone(t *testing.T, pid int) {
	t.Helper()
	if _, err := os.Stat("/proc/" + itoa(pid)); err == nil {
		t.Errorf("demo process %d still exists after the demo returned", pid)
	}
}

func requireRoot(t *testing.T) { testenv.RequirePrivileged(t) }
