package image

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/vitro-dev/vitro/internal/trace"
)

// DefaultBusybox is where Debian's busybox-static puts its binary.
const DefaultBusybox = "/bin/busybox"

// BootstrapName is the name the bootstrap image gets, so that
// `vitro run busybox` finds it without a registry.
const BootstrapName = "docker.io/library/busybox:latest"

// bootstrapTime is every timestamp in the bootstrap image: fixed, so the
// same busybox binary always gives the same image digest.
var bootstrapTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// ErrNoBusybox: the host has no static busybox to build from.
var ErrNoBusybox = errors.New("no static busybox: apt-get install busybox-static")

// Bootstrap builds a one-layer image from the host's static busybox (a
// root filesystem with /bin/busybox, a symlink per applet, /etc/passwd,
// /etc/group, /tmp, ...) and stores it under name (BootstrapName when
// empty). No network is used.
func (s *Store) Bootstrap(ctx context.Context, busybox, fullName string) (*Image, error) {
	if busybox == "" {
		busybox = DefaultBusybox
	}
	if fullName == "" {
		fullName = BootstrapName
	}
	img, err := BusyboxImage(busybox)
	if err != nil {
		return nil, err
	}
	return s.Put(ctx, img, []string{fullName}, nil)
}

// BusyboxImage builds the bootstrap image in memory.
func BusyboxImage(busybox string) (v1.Image, error) {
	bin, err := os.ReadFile(busybox)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", busybox, ErrNoBusybox)
	}
	if err != nil {
		return nil, err
	}
	if err := checkStatic(busybox); err != nil {
		return nil, err
	}
	applets, err := busyboxApplets(busybox)
	if err != nil {
		return nil, err
	}
	trace.Action("bootstrap: busybox", trace.Str("path", busybox), trace.Int("bytes", int64(len(bin))), trace.Int("applets", int64(len(applets))))
	rootfs, err := busyboxRootfs(bin, applets)
	if err != nil {
		return nil, err
	}
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(rootfs)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	base := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	base = mutate.ConfigMediaType(base, types.OCIConfigJSON)
	img, err := mutate.Append(base, mutate.Addendum{Layer: l, History: v1.History{
		Created:   v1.Time{Time: bootstrapTime},
		CreatedBy: fmt.Sprintf("vitro image bootstrap: %s and %d applet links", busybox, len(applets)),
		Comment:   "built from the host's static busybox, no registry",
	}})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Created = v1.Time{Time: bootstrapTime}
	cf.Architecture = runtime.GOARCH
	cf.OS = "linux"
	cf.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	cf.Config.Cmd = []string{"sh"}
	return mutate.ConfigFile(img, cf)
}

// checkStatic refuses a dynamically linked busybox: it would need the
// host's libc inside the image.
func checkStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("%s is not an ELF binary (%v): %w", path, err, ErrNoBusybox)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked: %w", path, ErrNoBusybox)
		}
	}
	return nil
}

// busyboxApplets asks busybox which applets it has (busybox --list).
func busyboxApplets(path string) ([]string, error) {
	out, err := exec.Command(path, "--list").Output()
	if err != nil {
		return nil, fmt.Errorf("%s --list: %w", path, err)
	}
	var applets []string
	for _, a := range strings.Fields(string(out)) {
		if a != "busybox" && !strings.ContainsAny(a, "/.") {
			applets = append(applets, a)
		}
	}
	sort.Strings(applets)
	if len(applets) == 0 {
		return nil, fmt.Errorf("%s --list printed no applets", path)
	}
	return applets, nil
}

// busyboxRootfs writes the root filesystem as a tar, every entry owned by
// root and dated bootstrapTime.
func busyboxRootfs(bin []byte, applets []string) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(h *tar.Header, data []byte) error {
		h.ModTime, h.Format = bootstrapTime, tar.FormatPAX
		h.Uname, h.Gname = "root", "root"
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	dirs := []struct {
		name string
		mode int64
	}{{"bin/", 0o755}, {"dev/", 0o755}, {"etc/", 0o755}, {"home/", 0o755}, {"proc/", 0o555},
		{"root/", 0o700}, {"sys/", 0o555}, {"tmp/", 0o1777}, {"usr/", 0o755}, {"usr/bin/", 0o755},
		{"usr/sbin/", 0o755}, {"var/", 0o755}, {"var/tmp/", 0o1777}, {"var/log/", 0o755}}
	for _, d := range dirs {
		if err := add(&tar.Header{Typeflag: tar.TypeDir, Name: d.name, Mode: d.mode}, nil); err != nil {
			return nil, err
		}
	}
	if err := add(&tar.Header{Typeflag: tar.TypeReg, Name: "bin/busybox", Mode: 0o755, Size: int64(len(bin))}, bin); err != nil {
		return nil, err
	}
	for _, a := range applets {
		if err := add(&tar.Header{Typeflag: tar.TypeSymlink, Name: "bin/" + a, Linkname: "busybox", Mode: 0o777}, nil); err != nil {
			return nil, err
		}
	}
	files := []struct{ name, data string }{
		{"etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"},
		{"etc/group", "root:x:0:\nnogroup:x:65534:\n"},
		{"etc/shadow", "root:*:10957:0:99999:7:::\nnobody:*:10957:0:99999:7:::\n"},
	}
	for _, f := range files {
		mode := int64(0o644)
		if f.name == "etc/shadow" {
			mode = 0o600
		}
		if err := add(&tar.Header{Typeflag: tar.TypeReg, Name: f.name, Mode: mode, Size: int64(len(f.data))}, []byte(f.data)); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
