package netdemo

import (
	"os"
	"testing"

	"github.com/vitro-dev/vitro/internal/reexec"
)

func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}
