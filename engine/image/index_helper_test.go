package image

import (
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// indexOf wraps img in a manifest list for this host's platform.
func indexOf(t testing.TB, img v1.Image) v1.ImageIndex {
	t.Helper()
	p := HostPlatform()
	return mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &p}})
}
