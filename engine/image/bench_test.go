package image

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/vitro-dev/vitro/internal/testenv"
)

// benchImage is 6 layers of 300 files each (about 30 MB unpacked), half
// random bytes (incompressible) and half text, pushed to a loopback
// docker-registry.
func benchImage(b *testing.B, addr string) string {
	b.Helper()
	rng := rand.New(rand.NewSource(1))
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	for l := 0; l < 6; l++ {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("layer%d/", l), Typeflag: tar.TypeDir, Mode: 0o755})
		for i := 0; i < 300; i++ {
			data := make([]byte, 16<<10)
			if i%2 == 0 {
				rng.Read(data)
			} else {
				copy(data, bytes.Repeat([]byte(fmt.Sprintf("line %d of file %d\n", i, l)), 1000))
			}
			tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("layer%d/f%03d", l, i), Mode: 0o644, Size: int64(len(data)), ModTime: time.Unix(1e9, 0)})
			tw.Write(data)
		}
		tw.Close()
		var err error
		if img, err = mutate.AppendLayers(img, layerOf(b, buf.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		b.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", HostPlatform().Architecture
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		b.Fatal(err)
	}
	ref := addr + "/bench/multi:1"
	r, _ := ParseReference(ref, nameInsecure()...)
	if err := remote.Write(r, img); err != nil {
		b.Fatal(err)
	}
	return ref
}

// BenchmarkPullVsSkopeoUmoci pulls and unpacks the same multi-layer image
// with vitro and with skopeo copy + umoci unpack, in the same run, and
// reports both times and their ratio (vitro/peer: below 1 is faster).
func BenchmarkPullVsSkopeoUmoci(b *testing.B) {
	testenv.RequirePrivileged(b)
	requireTool(b, "/usr/bin/skopeo", "skopeo")
	requireTool(b, "/usr/bin/umoci", "umoci")
	addr := startDistribution(b)
	ref := benchImage(b, addr)
	var vitro, peer time.Duration
	for i := 0; b.Loop(); i++ {
		dir := b.TempDir()
		start := time.Now()
		s, err := Open(filepath.Join(dir, "vitro"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Pull(context.Background(), ref, RemoteOptions{}, nil); err != nil {
			b.Fatal(err)
		}
		vitro += time.Since(start)

		start = time.Now()
		oci := filepath.Join(dir, "oci")
		if out, err := exec.Command("skopeo", "copy", "-q", "--src-tls-verify=false", "docker://"+ref, "oci:"+oci+":1").CombinedOutput(); err != nil {
			b.Fatalf("skopeo copy: %v\n%s", err, out)
		}
		if out, err := exec.Command("umoci", "unpack", "--image", oci+":1", filepath.Join(dir, "bundle")).CombinedOutput(); err != nil {
			b.Fatalf("umoci unpack: %v\n%s", err, out)
		}
		peer += time.Since(start)
		os.RemoveAll(dir)
	}
	n := float64(b.N)
	b.ReportMetric(vitro.Seconds()/n, "vitro-s/op")
	b.ReportMetric(peer.Seconds()/n, "skopeo+umoci-s/op")
	b.ReportMetric(vitro.Seconds()/peer.Seconds(), "ratio")
	b.Logf("pull+unpack of 6 layers: vitro %v, skopeo+umoci %v per op, ratio %.2f", vitro/time.Duration(b.N), peer/time.Duration(b.N), vitro.Seconds()/peer.Seconds())
}
