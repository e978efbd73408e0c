package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/vitro-dev/vitro/engine/image"
	"github.com/vitro-dev/vitro/internal/trace"
)

// imageInfo is what the later steps need from the image.
type imageInfo struct {
	ID         string
	Layers     []string // unpacked layer directories, topmost first (overlay's lowerdir order)
	Env        []string
	Cmd        []string
	Entrypoint []string
	WorkingDir string
	User       string
}

// image is step 1: look the image up in the local store; if it is not
// there, pull it from the registry (mirrors first).
func (r *run) image(ctx context.Context) error {
	store, err := image.Open(r.e.Config.DataRoot, image.WithMaxLayerSize(r.e.Config.MaxLayerBytes()))
	if err != nil {
		return err
	}
	r.store = store
	ref := r.o.Image
	if r.c != nil {
		ref = r.c.ImageID // vitro start: the image the container was created from
	}
	im, err := store.Get(ref)
	switch {
	case err == nil:
		trace.Action("found locally", trace.Str("ref", r.o.Image), trace.Str("id", image.ShortID(im.Id)))
	case errors.Is(err, image.ErrNotFound):
		trace.Action("not found locally: pulling", trace.Str("ref", r.o.Image))
		fmt.Fprintf(r.stdio.Err, "Unable to find image '%s' locally\n", r.o.Image)
		im, err = store.Pull(ctx, r.o.Image, image.RemoteFromConfig(r.e.Config), nil)
		if err != nil {
			return err
		}
	default:
		return err
	}
	info := &imageInfo{
		ID: im.Id, Env: im.Config.Env, Cmd: im.Config.Cmd, Entrypoint: im.Config.Entrypoint,
		WorkingDir: im.Config.WorkingDir, User: im.Config.User,
	}
	dirs := im.LayerDirs()
	for i := len(dirs) - 1; i >= 0; i-- {
		info.Layers = append(info.Layers, dirs[i])
	}
	if trace.Enabled(trace.Steps) {
		trace.Action("image", trace.Str("names", strings.Join(im.RepoTags, ",")), trace.Str("digest", im.Digest),
			trace.Int("layers", int64(len(im.Layers))), trace.Int("size", im.Size))
		for i, l := range im.Layers {
			trace.KernelEvent("layer", trace.Int("n", int64(i+1)), trace.Str("diffID", l.DiffID), trace.Str("dir", l.Dir))
		}
	}
	r.img = info
	return nil
}
