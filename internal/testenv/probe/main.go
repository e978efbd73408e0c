// Command probe is the static probe that engine tests bind into a
// container (see testenv.StaticProbe) when their own binary is dynamic.
package main

import (
	"fmt"
	"os"

	"github.com/vitro-dev/vitro/internal/testenv"
)

func main() {
	if !testenv.RunProbe() {
		fmt.Fprintf(os.Stderr, "probe: set %s to the probe to run\n", testenv.ProbeEnv)
		os.Exit(2)
	}
}
