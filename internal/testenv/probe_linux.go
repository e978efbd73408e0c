package testenv

import (
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// ProbeEnv names the environment variable that turns a test binary (or
// the static probe built from ./internal/testenv/probe) into a probe run
// inside a container: it does the one thing named and prints what the
// kernel answered. busybox has no keyctl; the probe does.
const ProbeEnv = "VITRO_TEST_PROBE"

// RunProbe runs the probe that VITRO_TEST_PROBE names, if it is set, and
// reports whether it did. TestMain calls it first.
func RunProbe() bool {
	switch os.Getenv(ProbeEnv) {
	case "":
		return false
	case "keyring":
		keyringProbe(os.Getenv("VITRO_TEST_KEY"))
	default:
		fmt.Printf("unknown probe %q\n", os.Getenv(ProbeEnv))
	}
	return true
}

// keyringProbe prints its session keyring's ID, tries to read key id
// (the caller's secret) and to add a key to its session keyring.
func keyringProbe(id string) {
	s, err := unix.KeyctlGetKeyringID(unix.KEY_SPEC_SESSION_KEYRING, false)
	fmt.Printf("session=%d err=%v\n", s, err)
	if n, err := strconv.Atoi(id); err == nil {
		buf := make([]byte, 256)
		if m, err := unix.KeyctlBuffer(unix.KEYCTL_READ, n, buf, 0); err != nil {
			fmt.Printf("read-error=%v\n", err)
		} else {
			fmt.Printf("read=%s\n", buf[:min(m, len(buf))])
		}
	}
	if k, err := unix.AddKey("user", "vitro-probe", []byte("x"), unix.KEY_SPEC_SESSION_KEYRING); err != nil {
		fmt.Printf("add-error=%v\n", err)
	} else {
		fmt.Printf("add=%d\n", k)
	}
}

// StaticProbe returns a statically linked binary that runs RunProbe, to
// be bound into a container whose image has no libc: the test binary
// itself when it is static (as in the cgroup v2 VM), else a probe built
// with CGO_ENABLED=0 into a temporary directory.
func StaticProbe(t testing.TB) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if f, err := elf.Open(self); err == nil {
		static := true
		for _, p := range f.Progs {
			static = static && p.Type != elf.PT_INTERP
		}
		f.Close()
		if static {
			return self
		}
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		//lint:ignore SA1019 a fallback only: a test binary runs on the machine that built it
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	_, file, _, _ := runtime.Caller(0)
	out := filepath.Join(t.TempDir(), "probe")
	cmd := exec.Command(gobin, "build", "-o", out, ".")
	cmd.Dir = filepath.Join(filepath.Dir(file), "probe")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the static probe (the test binary is dynamic): %v\n%s", err, b)
	}
	return out
}
