package fsdemo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/vitro-dev/vitro/internal/reexec"
	"github.com/vitro-dev/vitro/internal/trace"
	"golang.org/x/sys/unix"
)

// EscapeAttempt is one row of the chroot-escape demo.
type EscapeAttempt struct {
	Method  string   `json:"method"`  // "chroot" or "pivot_root"
	Escaped bool     `json:"escaped"` // the host file outside the rootfs was read
	Read    string   `json:"read"`    // what it could read, or why not
	Root    []string `json:"root"`    // what "/" held after the attempt
}

// ChrootEscapeResult is what `vitro fs chroot-escape` shows.
type ChrootEscapeResult struct {
	Rootfs   string          `json:"rootfs"`
	Marker   string          `json:"marker"` // the host file outside the rootfs
	Attempts []EscapeAttempt `json:"attempts"`
}

type escapeInput struct {
	Rootfs, Marker, Method string
}

const escapeEntry = "fsdemo-escape"

func init() { registerChild(escapeEntry, escapeChild) }

// ChrootEscape builds a rootfs, puts a marker file beside it (outside, on
// the host), and runs the classic escape twice, each time in a child with
// its own mount namespace: once from a chroot, once after a safe
// pivot_root. Only the first can read the marker.
func ChrootEscape(ctx context.Context) (*ChrootEscapeResult, error) {
	dir, rootfs, cleanup, err := demoRootfs("escape")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	res := &ChrootEscapeResult{Rootfs: rootfs, Marker: filepath.Join(dir, "host-secret.txt")}
	secret := make([]byte, 4)
	rand.Read(secret)
	if err := os.WriteFile(res.Marker, []byte("host secret "+hex.EncodeToString(secret)+"\n"), 0o600); err != nil {
		return nil, err
	}
	for _, method := range []string{"chroot", "pivot_root"} {
		var a EscapeAttempt
		if err := runChild(ctx, escapeEntry, 0, escapeInput{rootfs, res.Marker, method}, &a, nil); err != nil {
			return nil, fmt.Errorf("escape attempt after %s: %w", method, err)
		}
		res.Attempts = append(res.Attempts, a)
	}
	return res, nil
}

func escapeChild(_ *reexec.Pipe, in json.RawMessage) (any, error) {
	var x escapeInput
	if err := decode(in, &x); err != nil {
		return nil, err
	}
	switch x.Method {
	case "chroot":
		trace.Action("chroot", trace.Str("dir", x.Rootfs))
		trace.Shell("chroot " + x.Rootfs)
		if err := unix.Chroot(x.Rootfs); err != nil {
			return nil, fmt.Errorf("chroot %s: %w", x.Rootfs, err)
		}
		if err := unix.Chdir("/"); err != nil {
			return nil, err
		}
	case "pivot_root":
		if err := PivotRoot(x.Rootfs); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("escape method %q: want chroot or pivot_root", x.Method)
	}
	return attemptEscape(x.Method, x.Marker)
}

// attemptEscape is the classic break-out of a chroot by a process that
// still has CAP_SYS_CHROOT:
//
//  1. mkdir /.escape; chroot /.escape: the root moves down, but the
//     working directory stays where it was: now OUTSIDE the root;
//  2. chdir .. many times: ".." stops only at the process's root, which
//     the working directory is no longer under, so the walk goes on up to
//     the real root of the mount namespace;
//  3. chroot .: the root is now the host's /.
//
// After pivot_root and the old root's detach, the real root of the mount
// namespace IS the rootfs: step 2 stops there and nothing is gained.
func attemptEscape(method, marker string) (EscapeAttempt, error) {
	a := EscapeAttempt{Method: method}
	trace.Action("escape attempt", trace.Str("method", method))
	trace.Shell("mkdir /.escape && chroot /.escape; for i in $(seq 64); do cd ..; done; chroot .")
	if err := os.Mkdir("/.escape", 0o700); err != nil && !os.IsExist(err) {
		return a, err
	}
	if err := unix.Chroot("/.escape"); err != nil {
		return a, fmt.Errorf("chroot /.escape: %w", err)
	}
	for range 64 {
		if err := unix.Chdir(".."); err != nil {
			return a, fmt.Errorf("chdir ..: %w", err)
		}
	}
	if err := unix.Chroot("."); err != nil {
		return a, fmt.Errorf("chroot .: %w", err)
	}
	entries, _ := os.ReadDir("/")
	for _, e := range entries {
		a.Root = append(a.Root, e.Name())
	}
	sort.Strings(a.Root)
	data, err := os.ReadFile(marker)
	if err != nil {
		a.Read = fmt.Sprintf("nothing: %v; / holds only the rootfs: %s", err, strings.Join(a.Root, " "))
		return a, nil
	}
	a.Escaped = true
	a.Read = fmt.Sprintf("%s: %q; / is the host's: %s", marker, strings.TrimSpace(string(data)), strings.Join(first(a.Root, 8), " "))
	return a, nil
}

func first(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], "...")
	}
	return s
}
