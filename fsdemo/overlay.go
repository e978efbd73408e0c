package fsdemo

import (
	"fmt"
	"path/filepath"
	"strings"
)

// MaxOverlayLayers is the kernel's limit on lower layers in one overlay
// (OVL_MAX_STACK in fs/overlayfs/params.h).
const MaxOverlayLayers = 500

// Overlay plans the overlay mount of a container's root: lowers are the
// image's read-only layers, upper the container's read-write layer, work
// the scratch directory overlayfs needs on the upper's filesystem (for
// atomic copy-up and whiteouts), target where the merged view appears.
//
// lowers are listed top first, as in lowerdir=: lowers[0] hides
// lowers[1], and the image's base layer (the first in its manifest) is
// last. With upper and work both "", the overlay is read-only.
//
// The result is plain data; Apply mounts it. A mount(2) call passes at
// most one page (4096 bytes) of options, which about 60 layers of long
// paths exceed: Apply then takes another road, see mountOverlayLong.
//
// Shell equivalent: mount -t overlay overlay -o lowerdir=L1:L2,upperdir=U,workdir=W TARGET
func Overlay(lowers []string, upper, work, target string) (Mount, error) {
	if len(lowers) == 0 {
		return Mount{}, fmt.Errorf("overlay on %s: no lower layers: an overlay needs at least one read-only layer", target)
	}
	if len(lowers) > MaxOverlayLayers {
		return Mount{}, fmt.Errorf("overlay on %s: %d lower layers: the kernel stacks at most %d; squash the image", target, len(lowers), MaxOverlayLayers)
	}
	if (upper == "") != (work == "") {
		return Mount{}, fmt.Errorf("overlay on %s: upper %q and work %q: give both (read-write) or neither (read-only)", target, upper, work)
	}
	if upper == "" && len(lowers) < 2 {
		return Mount{}, fmt.Errorf("overlay on %s: a read-only overlay needs two or more lower layers (got %d); bind-mount a single layer instead", target, len(lowers))
	}
	check := func(what, p string) error {
		switch {
		case !filepath.IsAbs(p):
			return fmt.Errorf("overlay %s %q: not an absolute path", what, p)
		case strings.ContainsAny(p, ":,\\"):
			// ':' separates lowers and ',' options; the kernel's escapes
			// for them are easy to get wrong, so refuse such names.
			return fmt.Errorf("overlay %s %q: contains ':', ',' or '\\', which the option string cannot carry; rename the directory", what, p)
		}
		return nil
	}
	for i, l := range lowers {
		if err := check(fmt.Sprintf("lower layer %d", i), l); err != nil {
			return Mount{}, err
		}
	}
	for _, p := range [][2]string{{"target", target}, {"upper", upper}, {"work", work}} {
		if p[1] != "" || p[0] == "target" {
			if err := check(p[0], p[1]); err != nil {
				return Mount{}, err
			}
		}
	}
	data := "lowerdir=" + strings.Join(lowers, ":")
	if upper != "" {
		data += ",upperdir=" + upper + ",workdir=" + work
	}
	return Mount{Source: "overlay", Target: target, Type: "overlay", Data: data}, nil
}

// overlayOptions splits an overlay option string into its lowers (top
// first) and the remaining options, in order.
func overlayOptions(data string) (lowers []string, rest [][2]string) {
	for _, opt := range strings.Split(data, ",") {
		k, v, _ := strings.Cut(opt, "=")
		if k == "lowerdir" {
			lowers = strings.Split(v, ":")
			continue
		}
		rest = append(rest, [2]string{k, v})
	}
	return lowers, rest
}

// relativeOverlayData rewrites the lower layers' paths relative to dir,
// the deepest directory that holds them all (upper and work stay
// absolute: there is one of each). It returns dir and the new options,
// for a mount(2) made from inside dir.
func relativeOverlayData(data string) (dir, rel string, err error) {
	lowers, rest := overlayOptions(data)
	dir = commonDir(lowers)
	r := func(p string) (string, error) { return filepath.Rel(dir, p) }
	var b strings.Builder
	b.WriteString("lowerdir=")
	for i, l := range lowers {
		x, err := r(l)
		if err != nil {
			return "", "", err
		}
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(x)
	}
	for _, kv := range rest {
		b.WriteString("," + kv[0])
		if kv[1] != "" {
			b.WriteString("=" + kv[1])
		}
	}
	return dir, b.String(), nil
}

// commonDir is the deepest directory that contains every path.
func commonDir(paths []string) string {
	if len(paths) == 0 {
		return "/"
	}
	common := strings.Split(filepath.Clean(paths[0]), "/")
	for _, p := range paths[1:] {
		parts := strings.Split(filepath.Clean(p), "/")
		n := 0
		for n < len(common) && n < len(parts) && common[n] == parts[n] {
			n++
		}
		common = common[:n]
	}
	d := strings.Join(common, "/")
	if d == "" {
		return "/"
	}
	return d
}
