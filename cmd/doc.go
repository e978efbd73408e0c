// Package cmd is vitro's command line: cobra commands, one file per
// command group, that parse flags, call the engine or a demo, and render
// the result (table, JSON or a Go template). No mechanism lives here.
package cmd
