package image

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/vitro-dev/vitro/internal/testenv"
	"golang.org/x/sys/unix"
)

// pushTo puts img under name in s and pushes it to the registry at addr.
func seedWithVitro(t *testing.T, addr, repo string) (*Store, string) {
	t.Helper()
	src := openStore(t)
	img := multiLayerImage(t)
	ref := addr + "/" + repo + ":v1"
	r, _ := ParseReference(ref)
	if _, err := src.Put(context.Background(), img, []string{FullName(r)}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Push(context.Background(), ref, "", RemoteOptions{}); err != nil {
		t.Fatal(err)
	}
	return src, ref
}

// checkWhiteouts looks at the unpacked layers of the multi-layer image:
// the deletion is a 0/0 character device, the opaque directory has the
// xattr, the setuid bit survived, the hardlink is one inode.
func checkWhiteouts(t *testing.T, im *Image) {
	t.Helper()
	if len(im.Layers) != 3 {
		t.Fatalf("%d layers, want 3", len(im.Layers))
	}
	l1, l2 := im.Layers[1].Dir, im.Layers[2].Dir
	var st unix.Stat_t
	if err := unix.Lstat(filepath.Join(l2, "data", "gone"), &st); err != nil {
		t.Fatal(err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != 0 {
		t.Fatalf("data/gone in the top layer: mode %o rdev %d, want a 0/0 character device", st.Mode, st.Rdev)
	}
	if exists(filepath.Join(l2, "data", ".wh.gone")) {
		t.Fatal(".wh.gone was written as a file")
	}
	buf := make([]byte, 8)
	n, err := unix.Lgetxattr(filepath.Join(l2, "cfg"), "trusted.overlay.opaque", buf)
	if err != nil || string(buf[:n]) != "y" {
		t.Fatalf("cfg opaque xattr = %q, %v", buf[:n], err)
	}
	fi, err := os.Stat(filepath.Join(l2, "setuid"))
	if err != nil || fi.Mode()&os.ModeSetuid == 0 {
		t.Fatalf("setuid: %v %v", fi, err)
	}
	var a, b unix.Stat_t
	unix.Stat(filepath.Join(l1, "data", "keep"), &a)
	unix.Stat(filepath.Join(l1, "data", "hard"), &b)
	if a.Ino != b.Ino || a.Ino == 0 {
		t.Fatalf("hardlink: inodes %d and %d", a.Ino, b.Ino)
	}
}

func TestPullFromDistributionSeededByVitro(t *testing.T) {
	testenv.RequirePrivileged(t)
	addr := startDistribution(t)
	src, ref := seedWithVitro(t, addr, "vitro/multi")
	want, _ := src.Get(ref)

	s := openStore(t)
	im, err := s.Pull(context.Background(), ref, RemoteOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if im.Digest != want.Digest || im.Id != want.Id {
		t.Fatalf("pulled %s/%s, pushed %s/%s", im.Digest, im.Id, want.Digest, want.Id)
	}
	checkWhiteouts(t, im)
	// A second pull finds everything in place.
	if _, err := s.Pull(context.Background(), ref, RemoteOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	// Pull by digest.
	if _, err := s.Pull(context.Background(), addr+"/vitro/multi@"+im.Digest, RemoteOptions{}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestPullSeededBySkopeo(t *testing.T) {
	testenv.RequirePrivileged(t)
	requireTool(t, "/usr/bin/skopeo", "skopeo")
	addr := startDistribution(t)
	src, _ := bootstrapStore(t)
	want, _ := src.Get("busybox")
	// skopeo reads vitro's store directly: it is an OCI layout.
	out, err := exec.Command("skopeo", "copy", "--dest-tls-verify=false",
		"oci:"+src.Dir()+":latest", "docker://"+addr+"/skopeo/busybox:1").CombinedOutput()
	if err != nil {
		t.Fatalf("skopeo copy: %v\n%s", err, out)
	}
	s := openStore(t)
	im, err := s.Pull(context.Background(), addr+"/skopeo/busybox:1", RemoteOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if im.Id != want.Id || im.Layers[0].DiffID != want.Layers[0].DiffID {
		t.Fatalf("pulled %+v, want config %s", im, want.Id)
	}
	if !exists(filepath.Join(im.LayerDirs()[0], "bin", "busybox")) {
		t.Fatal("bin/busybox missing from the unpacked layer")
	}
}

func TestVitroRegistryPersists(t *testing.T) {
	testenv.RequirePrivileged(t)
	root := t.TempDir()
	addr := startVitroRegistry(t, root)
	src, ref := seedWithVitro(t, addr, "class/multi")
	want, _ := src.Get(ref)

	// A second server over the same root (a restart) serves the same image.
	addr2 := startVitroRegistry(t, root)
	s := openStore(t)
	im, err := s.Pull(context.Background(), addr2+"/class/multi:v1", RemoteOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if im.Digest != want.Digest {
		t.Fatalf("pulled %s after restart, pushed %s", im.Digest, want.Digest)
	}
	checkWhiteouts(t, im)
	res, err := Search(context.Background(), addr2, "multi", 0, RemoteOptions{})
	if err != nil || len(res) != 1 || res[0].Tags[0] != "v1" {
		t.Fatalf("search = %+v, %v", res, err)
	}
}

func TestMirrorTriedFirst(t *testing.T) {
	testenv.RequirePrivileged(t)
	addr := startVitroRegistry(t, t.TempDir())
	src, _ := bootstrapStore(t)
	if _, err := src.Push(context.Background(), "busybox", addr+"/library/busybox:latest", RemoteOptions{}); err != nil {
		t.Fatal(err)
	}
	s := openStore(t)
	// "busybox" means Docker Hub; the mirror on loopback answers instead,
	// so no packet leaves the machine.
	o := RemoteOptions{Mirrors: []string{"http://" + addr}, Transport: loopbackOnly{}}
	im, err := s.Pull(context.Background(), "busybox", o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if im.RepoTags[0] != "busybox:latest" {
		t.Fatalf("tags = %v", im.RepoTags)
	}
}

func TestPlatformFromIndex(t *testing.T) {
	testenv.RequirePrivileged(t)
	addr := startVitroRegistry(t, t.TempDir())
	src, _ := bootstrapStore(t)
	im, _ := src.Get("busybox")
	img, err := src.V1Image(im)
	if err != nil {
		t.Fatal(err)
	}
	idx := indexOf(t, img)
	r, _ := ParseReference(addr + "/multi/arch:1")
	if err := remote.WriteIndex(r, idx); err != nil {
		t.Fatal(err)
	}
	s := openStore(t)
	if _, err := s.Pull(context.Background(), addr+"/multi/arch:1", RemoteOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	p, _ := ParsePlatform("linux/s390x")
	_, err = s.Pull(context.Background(), addr+"/multi/arch:1", RemoteOptions{Platform: p}, nil)
	if err == nil {
		t.Fatal("pulled linux/s390x from an index without it")
	}
}

// loopbackOnly refuses every request that would leave the machine.
type loopbackOnly struct{}

func (loopbackOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	if !isLoopback(r.URL.Host) {
		return nil, fmt.Errorf("test transport: refusing non-loopback request to %s", r.URL.Host)
	}
	return http.DefaultTransport.RoundTrip(r)
}
