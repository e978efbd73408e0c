// Package layer unpacks one image layer (a tar stream, as stored in a
// registry) into a directory that overlayfs can use as a lower layer.
//
// Security comes first, because a layer is input from the network: an
// entry that would land outside the directory ("..", an absolute path, a
// path through a symlink or a hardlink to something outside) is refused,
// device nodes are refused unless the caller allows them, and a file whose
// data is shorter than its header claims is an error.
//
// The OCI layer format marks deletions with whiteout files; overlayfs marks
// them differently, so the unpacker converts them:
//
//	in the tar                   in the layer directory (overlayfs)
//	dir/.wh.name                 dir/name: character device 0/0
//	dir/.wh..wh..opq             dir: xattr trusted.overlay.opaque=y
//
// Owners, modes, extended attributes and timestamps are kept.
package layer
