package engine

import (
	"time"

	"github.com/vitro-dev/vitro/netdemo"
)

// Status is a container's lifecycle state, with docker's names.
type Status string

const (
	StatusCreated Status = "created"
	StatusRunning Status = "running"
	StatusPaused  Status = "paused"
	StatusExited  Status = "exited"
)

// Container is the record kept in <data-root>/containers/<id>/container.json.
// It is the single source of truth for `vitro ps` and `vitro inspect`.
type Container struct {
	ID      string    `json:"Id"`
	Name    string    `json:"Name"`
	Image   string    `json:"Image"`   // the reference as the user gave it
	ImageID string    `json:"ImageID"` // the config digest
	Created time.Time `json:"Created"`
	Path    string    `json:"Path"` // argv[0]
	Args    []string  `json:"Args"`
	Config  Config    `json:"Config"`
	State   State     `json:"State"`
	Rootfs  Rootfs    `json:"Rootfs"`
	Network Network   `json:"NetworkSettings"`
	Cgroup  string    `json:"CgroupPath"`
	// Options are the flags it was created with, for `vitro start`.
	Options RunOptions `json:"Options"`
}

// Config is what the user asked for, merged with the image's config.
type Config struct {
	Hostname    string            `json:"Hostname"`
	User        string            `json:"User,omitempty"`
	Env         []string          `json:"Env"`
	Cmd         []string          `json:"Cmd"`
	Entrypoint  []string          `json:"Entrypoint,omitempty"`
	WorkingDir  string            `json:"WorkingDir"`
	Tty         bool              `json:"Tty"`
	OpenStdin   bool              `json:"OpenStdin"`
	AutoRemove  bool              `json:"AutoRemove"`
	NetworkMode string            `json:"NetworkMode"` // bridge, none or host
	Limits      Limits            `json:"Limits"`
	Labels      map[string]string `json:"Labels,omitempty"`
}

// Limits are the resource limits, in docker's units.
type Limits struct {
	Memory     int64  `json:"Memory,omitempty"` // bytes
	MemorySwap int64  `json:"MemorySwap,omitempty"`
	NanoCPUs   int64  `json:"NanoCpus,omitempty"` // --cpus 0.5 is 500000000, as in docker
	CPUShares  uint64 `json:"CpuShares,omitempty"`
	PidsLimit  int64  `json:"PidsLimit,omitempty"`
	CpusetCpus string `json:"CpusetCpus,omitempty"`
}

// State is the container's runtime state.
type State struct {
	Status     Status    `json:"Status"`
	Pid        int       `json:"Pid"` // host PID of the container's PID 1, 0 when not running
	ExitCode   int       `json:"ExitCode"`
	Error      string    `json:"Error,omitempty"`
	StartedAt  time.Time `json:"StartedAt"`
	FinishedAt time.Time `json:"FinishedAt"`
	// Owner is the process answerable for what the container holds
	// while it is being set up or runs (its cgroup, address, ports): the
	// `vitro run` or `vitro start` that made them, later a monitor. Nil
	// when no process is (created by `vitro create`, or exited).
	Owner *Owner `json:"Owner,omitempty"`
}

// Owner names a process so that a later reader can tell whether it is
// still alive: its PID and its start time (field 22 of /proc/PID/stat,
// in clock ticks since boot), since a PID alone may be reused.
type Owner struct {
	Pid       int    `json:"Pid"`
	StartTime uint64 `json:"StartTime"`
}

// Rootfs is where the container's root filesystem lives.
type Rootfs struct {
	Driver string   `json:"Driver"` // overlay2 or vfs
	Lowers []string `json:"LowerDirs,omitempty"`
	Upper  string   `json:"UpperDir,omitempty"`
	Work   string   `json:"WorkDir,omitempty"`
	Merged string   `json:"MergedDir"`
}

// Network is the container's place on the bridge.
type Network struct {
	Bridge     string `json:"Bridge,omitempty"`
	IPAddress  string `json:"IPAddress,omitempty"`
	PrefixLen  int    `json:"IPPrefixLen,omitempty"`
	Gateway    string `json:"Gateway,omitempty"`
	MacAddress string `json:"MacAddress,omitempty"`
	HostVeth   string `json:"HostVeth,omitempty"`
	// Ports are the published ports, as netdemo.Unpublish needs them.
	Ports []netdemo.Published `json:"Ports,omitempty"`
}
