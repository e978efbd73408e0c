package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	units "github.com/docker/go-units"
)

// Defaults.
const (
	DefaultPath          = "/etc/vitro/config.json"
	DefaultDataRoot      = "/var/lib/vitro"
	DefaultRunRoot       = "/run/vitro"
	DefaultStorageDriver = "overlay2"
	// DefaultBridge and DefaultBIP are the host bridge and its address.
	// 10.98.0.0/16 stays clear of docker's 172.17.0.0/16 and podman's
	// 10.88.0.0/16, so vitro can run beside either.
	DefaultBridge       = "vitro0"
	DefaultBIP          = "10.98.0.1/16"
	DefaultCgroupDriver = "cgroupfs"
	// DefaultMaxLayerSize bounds what one image layer may unpack. Real
	// images' biggest layers (CUDA, machine-learning toolchains) are a
	// few GiB; a layer claiming more is likelier a mistake or an attack (a
	// gzip bomb, a terabyte sparse file) than an image anyone needs.
	DefaultMaxLayerSize = "8GiB"
	// minMaxLayerSize is the smallest max-layer-size accepted: below it
	// even the busybox image would not unpack.
	minMaxLayerSize = 1 << 20
)

// Config is the parsed file. JSON names are the file's keys.
type Config struct {
	DataRoot           string   `json:"data-root"`
	ExecRoot           string   `json:"exec-root"` // the run root: pid files, locks
	StorageDriver      string   `json:"storage-driver"`
	RegistryMirrors    []string `json:"registry-mirrors"`
	InsecureRegistries []string `json:"insecure-registries"`
	Bridge             string   `json:"bridge"`
	BIP                string   `json:"bip"`
	ExecOpts           []string `json:"exec-opts"` // native.cgroupdriver=cgroupfs, the only driver vitro has
	LiveRestore        bool     `json:"live-restore"`
	MaxLayerSize       string   `json:"max-layer-size"` // "8GiB": the most one layer may unpack
	CgroupParent       string   `json:"cgroup-parent"`  // "vitro": where containers' cgroups are made, in every hierarchy
}

// Default returns the configuration used when there is no file.
func Default() *Config {
	return &Config{
		DataRoot:      DefaultDataRoot,
		ExecRoot:      DefaultRunRoot,
		StorageDriver: DefaultStorageDriver,
		Bridge:        DefaultBridge,
		BIP:           DefaultBIP,
		MaxLayerSize:  DefaultMaxLayerSize,
		CgroupParent:  DefaultCgroupParent,
	}
}

// Keys lists the keys the file may hold.
func Keys() []string {
	var keys []string
	for k := range keyTypes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var keyTypes = map[string]string{
	"data-root": "string", "exec-root": "string", "storage-driver": "string",
	"registry-mirrors": "list of strings", "insecure-registries": "list of strings",
	"bridge": "string", "bip": "string", "exec-opts": "list of strings", "live-restore": "boolean",
	"max-layer-size": "string", "cgroup-parent": "string",
}

// Error is a problem with one key of the file.
type Error struct {
	Path  string // the file
	Key   string
	Value string // as written in the file
	Msg   string
}

func (e *Error) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("config %s: key %q: %s", e.Path, e.Key, e.Msg)
	}
	return fmt.Sprintf("config %s: %s %s: %s", e.Path, e.Key, e.Value, e.Msg)
}

// Load reads the file at path. A missing file yields the defaults; an
// unreadable or invalid one is an error.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Default(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	return Parse(path, b)
}

// Parse parses and validates the file's content; path is for messages.
func Parse(path string, b []byte) (*Config, error) {
	c := Default()
	if len(bytes.TrimSpace(b)) == 0 {
		return c, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("config %s: not a JSON object: %w", path, err)
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, ok := keyTypes[k]; !ok {
			return nil, &Error{Path: path, Key: k, Msg: "unknown key (known keys: " + strings.Join(Keys(), ", ") + ")"}
		}
	}
	// Decode key by key so a type error names its key.
	fields := map[string]any{
		"data-root": &c.DataRoot, "exec-root": &c.ExecRoot, "storage-driver": &c.StorageDriver,
		"registry-mirrors": &c.RegistryMirrors, "insecure-registries": &c.InsecureRegistries,
		"bridge": &c.Bridge, "bip": &c.BIP, "exec-opts": &c.ExecOpts, "live-restore": &c.LiveRestore,
		"max-layer-size": &c.MaxLayerSize, "cgroup-parent": &c.CgroupParent,
	}
	for _, k := range keys {
		if err := json.Unmarshal(raw[k], fields[k]); err != nil {
			return nil, &Error{Path: path, Key: k, Value: string(raw[k]), Msg: "want a " + keyTypes[k]}
		}
	}
	if err := c.Validate(path); err != nil {
		return nil, err
	}
	return c, nil
}

// Validate checks every value; path is for messages.
func (c *Config) Validate(path string) error {
	bad := func(key, value, msg string) error {
		return &Error{Path: path, Key: key, Value: fmt.Sprintf("%q", value), Msg: msg}
	}
	for key, dir := range map[string]string{"data-root": c.DataRoot, "exec-root": c.ExecRoot} {
		if !filepath.IsAbs(dir) {
			return bad(key, dir, "must be an absolute path")
		}
	}
	switch c.StorageDriver {
	case "overlay2", "overlay", "vfs":
	default:
		return bad("storage-driver", c.StorageDriver, "want overlay2 or vfs")
	}
	for _, m := range c.RegistryMirrors {
		u, err := url.Parse(m)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("registry-mirrors", m, "want a URL such as https://mirror.example:5000")
		}
	}
	for _, r := range c.InsecureRegistries {
		if _, _, err := net.ParseCIDR(r); err == nil {
			continue
		}
		if r == "" || strings.Contains(r, "/") || strings.Contains(r, "://") {
			return bad("insecure-registries", r, "want host[:port] or a CIDR such as 127.0.0.0/8")
		}
	}
	if err := ValidBridgeName(c.Bridge); err != nil {
		return bad("bridge", c.Bridge, err.Error())
	}
	if _, _, err := ParseBIP(c.BIP); err != nil {
		return bad("bip", c.BIP, err.Error())
	}
	for _, o := range c.ExecOpts {
		k, v, _ := strings.Cut(o, "=")
		if k != "native.cgroupdriver" {
			return bad("exec-opts", o, "the only option is native.cgroupdriver=cgroupfs")
		}
		switch v {
		case "cgroupfs":
		case "systemd":
			return bad("exec-opts", o, "vitro writes cgroup files itself (cgroupfs) and has no systemd driver: use native.cgroupdriver=cgroupfs or leave exec-opts out")
		default:
			return bad("exec-opts", o, "native.cgroupdriver must be cgroupfs")
		}
	}
	if err := validCgroupParent(c.CgroupParent); err != nil {
		return bad("cgroup-parent", c.CgroupParent, err.Error())
	}
	if _, err := ParseSize(c.MaxLayerSize); err != nil {
		return bad("max-layer-size", c.MaxLayerSize, err.Error())
	}
	return nil
}

// MaxLayerBytes is max-layer-size in bytes (the default's when the value
// is invalid, which Validate reports).
func (c *Config) MaxLayerBytes() int64 {
	n, err := ParseSize(c.MaxLayerSize)
	if err != nil {
		n, _ = ParseSize(DefaultMaxLayerSize)
	}
	return n
}

// ParseSize parses a size such as "8GiB", "500MB" or "1g" (binary
// multiples: 1 GB = 1 GiB, as docker's --memory) of at least 1 MiB.
func ParseSize(s string) (int64, error) {
	n, err := units.RAMInBytes(s)
	if err != nil || s == "" {
		return 0, errors.New("want a size such as \"8GiB\" or \"500MB\"")
	}
	if n < minMaxLayerSize {
		return 0, errors.New("must be at least 1MiB: smaller, not even the busybox image unpacks")
	}
	return n, nil
}

// CgroupDriver returns the driver named by exec-opts, cgroupfs by default.
func (c *Config) CgroupDriver() string {
	for _, o := range c.ExecOpts {
		if v, ok := strings.CutPrefix(o, "native.cgroupdriver="); ok {
			return v
		}
	}
	return DefaultCgroupDriver
}

// ParseBIP parses a bridge address in CIDR form, like docker's bip: the
// gateway's address and the subnet's prefix length ("10.98.0.1/16").
func ParseBIP(s string) (net.IP, *net.IPNet, error) {
	addr, prefix, ok := strings.Cut(s, "/")
	if !ok {
		return nil, nil, errors.New("want address/prefix, such as 10.98.0.1/16")
	}
	ip := net.ParseIP(addr).To4()
	if ip == nil {
		return nil, nil, fmt.Errorf("%q is not an IPv4 address", addr)
	}
	var n int
	if _, err := fmt.Sscanf(prefix, "%d", &n); err != nil || fmt.Sprint(n) != prefix || n < 0 || n > 32 {
		return nil, nil, fmt.Errorf("prefix length %q must be 0–32", prefix)
	}
	if n > 30 {
		return nil, nil, fmt.Errorf("prefix length /%d leaves no room for containers: use /30 or shorter", n)
	}
	ipn := &net.IPNet{IP: ip.Mask(net.CIDRMask(n, 32)), Mask: net.CIDRMask(n, 32)}
	if ip.Equal(ipn.IP) {
		return nil, nil, fmt.Errorf("%s is the network address of %s: give the gateway's address, such as %s/%d", ip, ipn, nextIP(ip), n)
	}
	return ip, ipn, nil
}

func nextIP(ip net.IP) net.IP {
	out := make(net.IP, len(ip))
	copy(out, ip)
	for i := len(out) - 1; i >= 0; i-- {
		out[i]++
		if out[i] != 0 {
			break
		}
	}
	return out
}

// ValidBridgeName checks a Linux interface name: 1–15 bytes, no '/',
// whitespace or ':'.
func ValidBridgeName(s string) error {
	if s == "" || len(s) > 15 {
		return errors.New("an interface name must be 1–15 characters")
	}
	if strings.ContainsAny(s, "/: \t\n") || s == "." || s == ".." {
		return errors.New("an interface name cannot contain '/', ':' or spaces")
	}
	return nil
}

// DefaultCgroupParent is where containers' cgroups are made (as docker's
// is "docker").
const DefaultCgroupParent = "vitro"

// validCgroupParent accepts a cgroup path relative to each hierarchy's
// root, such as "vitro" or "classroom/vitro" (a leading "/" is allowed,
// as docker allows it).
func validCgroupParent(p string) error {
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return fmt.Errorf("want a cgroup path such as %q", DefaultCgroupParent)
	}
	for _, el := range strings.Split(p, "/") {
		if el == "" || el == "." || el == ".." {
			return fmt.Errorf("want a cgroup path such as %q, without empty, . or .. parts", DefaultCgroupParent)
		}
	}
	return nil
}
