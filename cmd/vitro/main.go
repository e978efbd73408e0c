// Command vitro is container internals under glass. See the README.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/vitro-dev/vitro/cmd"
	_ "github.com/vitro-dev/vitro/internal/nsenter" // setns constructor: joins namespaces before the Go runtime starts (vitro ns enter, exec)
	"github.com/vitro-dev/vitro/internal/reexec"
)

func main() {
	// A re-executed child runs its entry point and never gets here.
	if reexec.Init() {
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cmd.Execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
