// Package registry is a registry v2 server for offline classrooms: `vitro
// registry serve`. It is go-containerregistry's registry handler with its
// state on disk instead of in memory:
//
//	<root>/blobs/sha256/<hex>          blobs, checked against their digest on upload
//	<root>/manifests/<repo>/<ref>.json every manifest pushed, replayed at start
//
// so a registry restarted (or a machine rebooted) still serves what was
// pushed to it.
package registry
