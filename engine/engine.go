package engine

import (
	"context"

	"github.com/vitro-dev/vitro/internal/config"
)

// Engine is the runtime over one data root.
type Engine struct {
	Config     *config.Config
	Containers *Containers

	// Pause is called before the step a run's --pause-at names (for
	// vitro run, and for vitro start of a container created with it);
	// the run goes on when it returns nil and fails with its error
	// otherwise. The CLI's prompts on the terminal and waits for Enter:
	// the engine itself does no terminal I/O. Without it, --pause-at is
	// an error.
	Pause func(context.Context, PausePoint) error
}

// New returns an engine for cfg's data root and run root.
func New(cfg *config.Config) *Engine {
	return &Engine{Config: cfg, Containers: NewContainers(cfg.DataRoot)}
}
