// Package image is vitro's image store and its registry client: step 1 of
// `vitro run` ("is the image here? if not, pull it").
//
// On disk, under the data root:
//
//	images/                 an OCI image layout (skopeo copy oci:DIR:NAME reads it)
//	  oci-layout            {"imageLayoutVersion": "1.0.0"}
//	  index.json            names → manifests (annotation io.containerd.image.name)
//	  blobs/sha256/<hex>    manifests, configs and compressed layers, by digest
//	  uses/<image-id>/<id>  one empty file per container that uses an image
//	  tmp/                  blobs being written (removed by prune after a crash)
//	layers/
//	  sha256/<hex>/diff     each layer unpacked once, by diffID: an overlay lowerdir
//	  sha256/<hex>/layer.json
//	  tmp/                  layers being unpacked
//
// Every write goes to tmp/ first and is renamed into place, so a reader
// sees a blob or a layer whole or not at all. index.json is changed under
// an flock; pulls hold a shared lock that garbage collection takes
// exclusively, so prune never deletes what a pull is writing.
//
// What `vitro run` uses:
//
//	s, _ := image.Open(dataRoot)
//	im, err := s.Get("busybox")          // errors.Is(err, image.ErrNotFound): then s.Pull
//	im.Config.Env, im.Config.Cmd, ...    // the image config
//	im.LayerDirs()                       // unpacked layers, base first (reverse for lowerdir=)
//	s.Use(ctx, im.Id, containerID)       // pin: rmi refuses, prune keeps it
//	s.Release(im.Id, containerID)        // when the container is removed
//
// Registry access (pull, push, search) uses go-containerregistry; layers
// are unpacked by the sibling package layer.
package image
