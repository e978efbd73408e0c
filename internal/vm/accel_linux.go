package vm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/vitro-dev/vitro/internal/fsutil"
	"golang.org/x/sys/unix"
)

// KVM can be present and still unusable: on this project's CI host
// /dev/kvm opens, but a stock kernel hangs early in boot under it (a
// nested set-up without the CPU's virtualisation extensions). Opening the
// device proves nothing, so the probe boots the real kernel under KVM with
// a tiny initramfs and a short deadline: if /init's marker comes back in
// time, KVM works. The answer is cached, keyed by what could change it.

// ProbeTimeout bounds the KVM probe boot. Under working KVM the boot to
// userspace takes about a second.
var ProbeTimeout = 10 * time.Second

// ProbeResult is a KVM probe's answer, as cached.
type ProbeResult struct {
	Key    string    `json:"key"`
	Usable bool      `json:"usable"`
	Detail string    `json:"detail"`
	At     time.Time `json:"at"`
	// HungWithin is set when the probe boot hung: how long it waited. A
	// hang within a short deadline (vitro check's) is not trusted by a
	// caller that may wait longer.
	HungWithin time.Duration `json:"hung_within,omitempty"`
}

// kvmDevice is what cheap checks say about /dev/kvm: "" if it opens and
// answers KVM_GET_API_VERSION, else why not.
func kvmDevice() string {
	fd, err := unix.Open("/dev/kvm", unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Sprintf("/dev/kvm: %v", err)
	}
	defer unix.Close(fd)
	const kvmGetAPIVersion = 0xAE00 // _IO(KVMIO, 0x00)
	v, err := unix.IoctlRetInt(fd, kvmGetAPIVersion)
	if err != nil {
		return fmt.Sprintf("/dev/kvm: KVM_GET_API_VERSION: %v", err)
	}
	if v != 12 {
		return fmt.Sprintf("/dev/kvm: API version %d, qemu wants 12", v)
	}
	return ""
}

// probeKey names everything that decides the answer.
func probeKey(k Kernel) string {
	key := "host=" + hostRelease()
	for _, p := range []string{"/dev/kvm", k.Path, qemuPath()} {
		if st, err := os.Stat(p); err == nil {
			key += fmt.Sprintf(" %s:%d:%d", p, st.Size(), st.ModTime().Unix())
		} else {
			key += " " + p + ":absent"
		}
	}
	return key
}

func hostRelease() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return "?"
	}
	return unix.ByteSliceToString(u.Release[:])
}

func qemuPath() string {
	p, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		return "qemu-system-x86_64"
	}
	return p
}

// ProbeCachePath is where probe answers are kept:
// $XDG_CACHE_HOME/vitro/kvm-probe.json (root: /root/.cache/vitro/...).
func ProbeCachePath() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "vitro", "kvm-probe.json")
}

// CachedProbe returns the cached probe answer for kernel k, if one was
// made with the same host kernel, qemu, /dev/kvm and guest kernel.
func CachedProbe(k Kernel) (ProbeResult, bool) {
	return cachedProbe(k, 0)
}

// cachedProbe is CachedProbe, ignoring a hang seen within less than
// patience.
func cachedProbe(k Kernel, patience time.Duration) (ProbeResult, bool) {
	b, err := os.ReadFile(ProbeCachePath())
	if err != nil {
		return ProbeResult{}, false
	}
	var r ProbeResult
	if json.Unmarshal(b, &r) != nil || r.Key != probeKey(k) || (r.HungWithin > 0 && r.HungWithin < patience) {
		return ProbeResult{}, false
	}
	return r, true
}

func saveProbe(r ProbeResult) {
	p := ProbeCachePath()
	if os.MkdirAll(filepath.Dir(p), 0o755) != nil {
		return
	}
	b, _ := json.MarshalIndent(r, "", "  ")
	fsutil.WriteFileAtomic(p, b, 0o644, fsutil.NoSync()) // a cache: losing it costs one probe
}

// ProbeKVM answers whether KVM can boot kernel k: from the cache if it
// can, else by a probe boot (at most ProbeTimeout), whose answer it
// caches.
func ProbeKVM(ctx context.Context, k Kernel, busybox string) ProbeResult {
	return ProbeKVMWithin(ctx, k, busybox, ProbeTimeout)
}

// ProbeKVMWithin is ProbeKVM with a deadline of its own, for callers that
// must stay quick (`vitro check`). Every answer is cached; a hang seen
// within a deadline shorter than ProbeTimeout is trusted only by callers
// as patient, since a slow but working KVM could have needed longer.
func ProbeKVMWithin(ctx context.Context, k Kernel, busybox string, timeout time.Duration) ProbeResult {
	if r, ok := cachedProbe(k, timeout); ok {
		return r
	}
	r := ProbeResult{Key: probeKey(k), At: time.Now().UTC()}
	if why := kvmDevice(); why != "" {
		r.Detail = why
		saveProbe(r)
		return r
	}
	spec := Spec{Kernel: &k, Busybox: busybox, Accel: KVM, MemoryMB: 256, CPUs: 1, Timeout: timeout}
	b, err := spec.Run(ctx)
	switch {
	case ctx.Err() != nil:
		r.Detail = "probe interrupted"
		return r
	case err == nil && b.ExitCode == 0:
		r.Usable = true
		r.Detail = fmt.Sprintf("a probe boot reached userspace in %s", b.Userspace.Round(time.Millisecond))
	case errors.Is(err, ErrTimeout):
		r.Detail = fmt.Sprintf("/dev/kvm opens, but a probe boot of %s hung (no result within %s)", filepath.Base(k.Path), timeout)
		r.HungWithin = timeout
	case err != nil:
		r.Detail = fmt.Sprintf("/dev/kvm opens, but a probe boot of %s failed: %s", filepath.Base(k.Path), firstLine(err.Error()))
	default:
		r.Detail = fmt.Sprintf("probe guest exited with status %d", b.ExitCode)
	}
	saveProbe(r)
	return r
}

// ChooseAccel picks KVM when it is usable for kernel k, else TCG, and
// says why. VITRO_VM_ACCEL=kvm|tcg overrides the choice.
func ChooseAccel(ctx context.Context, k Kernel, busybox string) (Accel, string) {
	switch a := os.Getenv("VITRO_VM_ACCEL"); a {
	case "kvm", "tcg":
		return Accel(a), "VITRO_VM_ACCEL=" + a
	}
	r := ProbeKVM(ctx, k, busybox)
	if r.Usable {
		return KVM, r.Detail
	}
	return TCG, "KVM unusable: " + r.Detail
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
