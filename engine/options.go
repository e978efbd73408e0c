package engine

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// RunOptions is what `vitro run` and `vitro create` were asked, in
// docker's terms. The cmd package fills it from flags; the engine
// validates and applies it.
type RunOptions struct {
	Image      string
	Cmd        []string // after the image reference
	Name       string
	Entrypoint *string // nil: the image's; "" clears it
	Env        []string
	EnvFiles   []string
	WorkingDir string
	User       string
	Hostname   string

	Interactive bool // -i: keep stdin open
	Tty         bool // -t: a pseudo-terminal
	Remove      bool // --rm
	Detach      bool // -d

	Memory     string // -m, docker syntax: 64m, 1g
	MemorySwap string // --memory-swap
	CPUs       string // --cpus 0.5
	CPUShares  int64  // --cpu-shares
	CpusetCpus string // --cpuset-cpus 0-1
	PidsLimit  int64  // --pids-limit

	Volumes     []string // -v SRC:DST[:ro]
	Publish     []string // -p HOST:CONTAINER[/proto]
	Network     string   // bridge, none, host
	Privileged  bool
	CapAdd      []string
	CapDrop     []string
	ReadOnly    bool
	SecurityOpt []string // no-new-privileges, seccomp=unconfined|FILE
	Devices     []string // --device HOST[:CONTAINER[:PERMS]]

	PauseAt string // --pause-at: a step number or name; Engine.Pause waits there
}

// mergeEnv returns the environment a container starts with: the image's,
// then --env-file lines, then -e values; a later name replaces an
// earlier one, and `-e NAME` alone copies NAME from vitro's environment.
func mergeEnv(image []string, files, flags []string) ([]string, error) {
	var all []string
	all = append(all, image...)
	for _, f := range files {
		lines, err := readEnvFile(f)
		if err != nil {
			return nil, err
		}
		all = append(all, lines...)
	}
	for _, e := range flags {
		if !strings.Contains(e, "=") {
			v, ok := os.LookupEnv(e)
			if !ok {
				continue
			}
			e = e + "=" + v
		}
		all = append(all, e)
	}
	index := map[string]int{}
	var out []string
	for _, e := range all {
		k, _, _ := strings.Cut(e, "=")
		if k == "" {
			return nil, fmt.Errorf("environment entry %q: the variable has no name", e)
		}
		if i, ok := index[k]; ok {
			out[i] = e
			continue
		}
		index[k] = len(out)
		out = append(out, e)
	}
	return out, nil
}

// readEnvFile reads docker's --env-file format: NAME=value per line,
// blank lines and # comments skipped, a bare NAME taken from the
// environment.
func readEnvFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--env-file: %w", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, _, ok := strings.Cut(line, "=")
		if strings.ContainsAny(k, " \t") || k == "" {
			return nil, fmt.Errorf("--env-file %s line %d: %q is not NAME=value", path, n, line)
		}
		if !ok {
			v, set := os.LookupEnv(k)
			if !set {
				continue
			}
			line = k + "=" + v
		}
		out = append(out, line)
	}
	return out, sc.Err()
}

// resolveArgv decides the program and arguments as docker does: the
// entrypoint (flag over image) followed by the command (arguments over
// the image's Cmd, which a new --entrypoint discards).
func resolveArgv(imgEntrypoint, imgCmd []string, entrypoint *string, cmd []string) ([]string, error) {
	ep := imgEntrypoint
	if entrypoint != nil {
		ep = nil
		if *entrypoint != "" {
			ep = []string{*entrypoint}
		}
		imgCmd = nil
	}
	args := imgCmd
	if len(cmd) > 0 {
		args = cmd
	}
	argv := append(append([]string{}, ep...), args...)
	if len(argv) == 0 {
		return nil, fmt.Errorf("no command: the image has no Cmd or Entrypoint, so give one after the image name")
	}
	return argv, nil
}
