package fsdemo

// Overlay's on-disk markers in the upper directory, and the names image
// layers (OCI and docker tarballs, OCI image spec layer.md "Whiteouts")
// use for the same two ideas. The overlay demos show them and the image
// unpacker (engine/image/layer) turns one into the other, from these
// definitions alone.
const (
	// OpaqueXattr on a directory in upper hides everything the lowers
	// have below that directory: it was deleted and made again.
	OpaqueXattr = "trusted.overlay.opaque"
	// WhiteoutPrefix marks a deleted file in a layer tarball: .wh.NAME.
	// In upper, overlay records the deletion as a character device 0/0
	// named NAME.
	WhiteoutPrefix = ".wh."
	// WhiteoutMeta begins names that aufs kept for its own bookkeeping
	// (.wh..wh.plnk, ...): they mark nothing and are skipped.
	WhiteoutMeta = WhiteoutPrefix + WhiteoutPrefix
	// OpaqueWhiteout in a directory of a layer tarball marks it opaque.
	OpaqueWhiteout = WhiteoutMeta + ".opq"
)
