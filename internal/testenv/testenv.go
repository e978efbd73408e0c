package testenv

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// RequireEnv is the environment variable CI sets so that a privileged test
// fails instead of skipping when it cannot run.
const RequireEnv = "VITRO_REQUIRE_PRIVILEGED"

// RequirePrivileged skips t unless the process is root. When
// VITRO_REQUIRE_PRIVILEGED is set, it fails instead of skipping, so that
// CI cannot turn green by testing nothing.
func RequirePrivileged(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv(RequireEnv) != "" {
		t.Fatalf("%s is set but this test needs root (euid %d): run the suite with sudo", RequireEnv, os.Geteuid())
	}
	t.Skipf("needs root (set %s=1 to make this a failure)", RequireEnv)
}

// Name returns a short name for a kernel object (link, cgroup, netns)
// made by a test: prefix plus the process ID in base 36, so parallel test
// binaries never choose the same one. Link names must stay within 15
// bytes: keep prefix to 8 or fewer.
func Name(prefix string) string {
	n := fmt.Sprintf("%s%s", prefix, strings.ToLower(fmt.Sprintf("%x", os.Getpid())))
	if len(n) > 15 {
		n = n[:15]
	}
	return n
}

// RequireFile skips t when path does not exist, naming the Debian package
// that provides it (`make setup` installs them all). When
// VITRO_REQUIRE_PRIVILEGED is set, as in CI, a missing file fails t
// instead: CI installed it, so its absence is a broken set-up, not a
// reason to test less.
func RequireFile(t testing.TB, path, pkg string) {
	t.Helper()
	if _, err := os.Stat(path); err == nil {
		return
	} else if os.Getenv(RequireEnv) != "" {
		t.Fatalf("%v: apt-get install %s (make setup); %s is set, so this fails instead of skipping", err, pkg, RequireEnv)
	} else {
		t.Skipf("%v: apt-get install %s (make setup), or set %s=1 to make this a failure", err, pkg, RequireEnv)
	}
}
