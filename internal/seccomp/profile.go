package seccomp

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
)

// Profile is a seccomp profile in docker's JSON format (the file that
// `docker run --security-opt seccomp=FILE` takes).
type Profile struct {
	DefaultAction   string    `json:"defaultAction"`
	DefaultErrnoRet *uint     `json:"defaultErrnoRet,omitempty"`
	Architectures   []string  `json:"architectures,omitempty"`
	ArchMap         []ArchMap `json:"archMap,omitempty"`
	Syscalls        []Rule    `json:"syscalls"`
}

// ArchMap names an architecture and the ones it can also run.
type ArchMap struct {
	Arch    string   `json:"architecture"`
	SubArch []string `json:"subArchitectures"`
}

// Rule gives an action to a set of system calls, optionally only when
// their arguments match (every Arg must), and only for containers that
// Includes selects and Excludes does not.
type Rule struct {
	Names    []string `json:"names"`
	Action   string   `json:"action"`
	ErrnoRet *uint    `json:"errnoRet,omitempty"`
	Args     []Arg    `json:"args,omitempty"`
	Comment  string   `json:"comment,omitempty"`
	Includes Selector `json:"includes,omitempty"`
	Excludes Selector `json:"excludes,omitempty"`
}

// Arg compares argument Index with Value (Op SCMP_CMP_EQ ...); for
// SCMP_CMP_MASKED_EQ, Value is the mask and ValueTwo the result wanted.
type Arg struct {
	Index    uint   `json:"index"`
	Value    uint64 `json:"value"`
	ValueTwo uint64 `json:"valueTwo,omitempty"`
	Op       string `json:"op"`
}

// Selector picks containers by capability, architecture and kernel.
type Selector struct {
	Caps      []string `json:"caps,omitempty"`
	Arches    []string `json:"arches,omitempty"`
	MinKernel string   `json:"minKernel,omitempty"`
}

//go:embed default.json
var defaultJSON []byte

// Default returns vitro's default profile, docker's, parsed once per
// process. Callers must not modify it.
func Default() *Profile { return defaultProfile() }

var defaultProfile = sync.OnceValue(func() *Profile {
	p, err := Parse(defaultJSON)
	if err != nil {
		panic("seccomp: the embedded default profile does not parse: " + err.Error())
	}
	return p
})

// Load reads a profile file.
func Load(path string) (*Profile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("seccomp profile: %w", err)
	}
	p, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("seccomp profile %s: %w", path, err)
	}
	return p, nil
}

// Parse reads a profile and checks its actions and operators; unknown
// keys are errors, so that a misspelt key cannot silently allow more.
func Parse(b []byte) (*Profile, error) {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	var p Profile
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("not docker's seccomp JSON: %w", err)
	}
	if _, err := action(p.DefaultAction, p.DefaultErrnoRet); err != nil {
		return nil, fmt.Errorf("defaultAction: %w", err)
	}
	for i, r := range p.Syscalls {
		if len(r.Names) == 0 {
			return nil, fmt.Errorf("syscalls[%d]: no names", i)
		}
		if _, err := action(r.Action, r.ErrnoRet); err != nil {
			return nil, fmt.Errorf("syscalls[%d] (%s): %w", i, r.Names[0], err)
		}
		for _, a := range r.Args {
			if err := checkArg(a); err != nil {
				return nil, fmt.Errorf("syscalls[%d] (%s): %w", i, r.Names[0], err)
			}
		}
	}
	return &p, nil
}
