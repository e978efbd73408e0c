package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/vitro-dev/vitro/cmd"
	_ "github.com/vitro-dev/vitro/internal/nsenter" // setns constructor: joins namespaces before the Go runtime starts (vitro ns enter)
	"github.com/vitro-dev/vitro/internal/reexec"
)

func main() {
	// A re-executed child runs its entry point and never gets here.
	if reexec.Init() {
		return
	}
	// Ctrl-C, kill and a closed terminal all cancel the command's context,
	// so that every command removes what it made before it exits.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	// A reader that goes away (vitro --trace run ... | head) must not kill
	// vitro half-way through: with SIGPIPE caught, a write to the closed
	// pipe fails with EPIPE instead. (Catching, not ignoring: an ignored
	// signal would stay ignored in the programs vitro starts.)
	pipe := make(chan os.Signal, 1)
	signal.Notify(pipe, syscall.SIGPIPE)
	go func() {
		for range pipe {
		}
	}()
	code := cmd.Execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
