// Command gendocs writes vitro's CLI reference: go run ./cmd/gendocs docs/cli
package main
