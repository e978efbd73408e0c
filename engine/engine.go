package engine

import (
	"github.com/vitro-dev/vitro/internal/config"
)

// Engine is the runtime over one data root.
type Engine struct {
	Config     *config.Config
	Containers *Containers
}

// New returns an engine for cfg's data root and run root.
func New(cfg *config.Config) *Engine {
	return &Engine{Config: cfg, Containers: NewContainers(cfg.DataRoot)}
}
