package helperbin

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// DirEnv names a directory that overrides where helpers are looked for.
const DirEnv = "VITRO_HELPER_DIR"

// ErrNotFound is returned (wrapped) when a helper is absent or not
// executable.
var ErrNotFound = errors.New("helper not found")

// Dir returns the directory helpers are looked for in: $VITRO_HELPER_DIR
// if set, else the directory of the running executable.
func Dir() (string, error) {
	if d := os.Getenv(DirEnv); d != "" {
		return d, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding the vitro executable: %w", err)
	}
	if real, err := filepath.EvalSymlinks(exe); err == nil {
		exe = real
	}
	return filepath.Dir(exe), nil
}

// Find returns the path of the helper program name (e.g. "vitro-vm").
func Find(name string) (string, error) {
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	return find(dir, name)
}

func find(dir, name string) (string, error) {
	p := filepath.Join(dir, name)
	st, err := os.Stat(p)
	switch {
	case err != nil:
		return "", fmt.Errorf("%w: %s: no such file: build it with `make build` (it writes %s next to vitro), or set %s to the directory that holds it",
			ErrNotFound, p, name, DirEnv)
	case st.IsDir() || st.Mode().Perm()&0o111 == 0:
		return "", fmt.Errorf("%w: %s is not an executable file (mode %v): rebuild it with `make build`", ErrNotFound, p, st.Mode())
	}
	return p, nil
}
