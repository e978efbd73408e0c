package engine

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/vitro-dev/vitro/internal/testenv"
)

// TestSessionKeyringNotShared is the keyring attack of issue 14: a key in
// the session keyring of whoever runs vitro was readable from inside the
// container, which inherited that keyring. The test's thread joins a
// session keyring of its own (its goroutine stays locked, so the thread
// and its keyring end with the test), adds a secret, and runs a container
// on that thread: the container has another session keyring and cannot
// read the secret; what it adds lands in its own keyring.
func TestSessionKeyringNotShared(t *testing.T) {
	e := testEngine(t)
	probe := testenv.StaticProbe(t)
	runtime.LockOSThread() // never unlocked: see above
	ring, err := unix.KeyctlJoinSessionKeyring(fmt.Sprintf("vitro-test-%d", os.Getpid()))
	if err != nil {
		t.Fatalf("keyctl(KEYCTL_JOIN_SESSION_KEYRING): %v", err)
	}
	key, err := unix.AddKey("user", "vitro-secret", []byte("KEYRING-SECRET"), unix.KEY_SPEC_SESSION_KEYRING)
	if err != nil {
		t.Fatalf("add_key: %v", err)
	}
	defer unix.KeyctlInt(unix.KEYCTL_INVALIDATE, ring, 0, 0, 0)
	defer unix.KeyctlInt(unix.KEYCTL_INVALIDATE, key, 0, 0, 0)

	// seccomp=unconfined: the keyring itself must be out of reach, not
	// only the keyctl calls (which the default profile refuses, below).
	o := RunOptions{Remove: true, Cmd: []string{"/probe"}, SecurityOpt: []string{"seccomp=unconfined"},
		Volumes: []string{probe + ":/probe:ro"},
		Env:     []string{testenv.ProbeEnv + "=keyring", fmt.Sprintf("VITRO_TEST_KEY=%d", key)}}
	out, stderr, err := runIn(t, e, o)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if strings.Contains(out, "KEYRING-SECRET") || !strings.Contains(out, "read-error=") {
		t.Errorf("the container read the caller's key:\n%s", out)
	}
	if strings.Contains(out, fmt.Sprintf("session=%d ", ring)) {
		t.Errorf("the container shares the caller's session keyring %d:\n%s", ring, out)
	}
	if _, err := unix.KeyctlSearch(unix.KEY_SPEC_SESSION_KEYRING, "user", "vitro-probe", 0); err == nil {
		t.Errorf("the container added a key to the caller's session keyring:\n%s", out)
	}
	o.SecurityOpt = nil
	out, stderr, err = runIn(t, e, o)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if !strings.Contains(out, "add-error=operation not permitted") || !strings.Contains(out, "read-error=operation not permitted") {
		t.Errorf("the default seccomp profile lets keyctl and add_key through:\n%s", out)
	}
	assertNothingLeft(t, e)
}
