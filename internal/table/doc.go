// Package table is a demo result's human layout as data: titled tables of
// text with notes under them. Each demo result type (nsdemo, cgroupdemo,
// fsdemo, netdemo) has a Tables method that returns its tables; one
// renderer, package tabletext, lays them out for both the CLI and the
// lessons, so a result is laid out in exactly one place.
//
// The package imports nothing outside the standard library, so the demo
// packages (and the processes that re-execute them) do not link a table
// renderer.
package table
