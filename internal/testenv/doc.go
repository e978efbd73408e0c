// Package testenv holds what vitro's tests share: the rule for tests that
// need root, and names for kernel objects that do not collide when
// `go test ./...` runs packages in parallel.
package testenv
