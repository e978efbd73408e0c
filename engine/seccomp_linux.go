package engine

import (
	"fmt"
	"strings"
	"sync"

	"github.com/vitro-dev/vitro/internal/seccomp"
	"github.com/vitro-dev/vitro/internal/trace"
)

// securityOptions are what --security-opt asked for.
type securityOptions struct {
	NoNewPrivs bool
	Seccomp    string // "" docker's default profile, "unconfined", or a profile file
}

// parseSecurityOpt reads --security-opt as docker does:
// no-new-privileges[:true|false], seccomp=unconfined, seccomp=FILE
// (seccomp:FILE too).
func parseSecurityOpt(opts []string) (securityOptions, error) {
	var s securityOptions
	for _, o := range opts {
		switch o {
		case "no-new-privileges", "no-new-privileges:true", "no-new-privileges=true":
			s.NoNewPrivs = true
			continue
		case "no-new-privileges:false", "no-new-privileges=false":
			continue
		}
		k, v, ok := strings.Cut(o, "=")
		if !ok {
			k, v, ok = strings.Cut(o, ":")
		}
		if ok && k == "seccomp" && v != "" {
			s.Seccomp = v
			continue
		}
		return s, fmt.Errorf("--security-opt %q: vitro supports no-new-privileges, seccomp=unconfined and seccomp=FILE (no AppArmor or SELinux)", o)
	}
	return s, nil
}

// defaultFilters caches docker's default profile compiled per capability
// set: compiling is pure computation, done once per set.
var defaultFilters sync.Map // capability list → *seccomp.Filter

// seccompFilter compiles the container's seccomp filter, or returns nil
// for none: --privileged (as docker) and seccomp=unconfined.
func seccompFilter(o RunOptions, caps []string) (*seccomp.Filter, string, error) {
	sec, err := parseSecurityOpt(o.SecurityOpt)
	if err != nil {
		return nil, "", err
	}
	switch {
	case o.Privileged:
		return nil, "none (--privileged)", nil
	case sec.Seccomp == "unconfined":
		return nil, "none (seccomp=unconfined)", nil
	case sec.Seccomp != "":
		p, err := seccomp.Load(sec.Seccomp)
		if err != nil {
			return nil, "", fmt.Errorf("--security-opt seccomp=%s: %w", sec.Seccomp, err)
		}
		f, err := seccomp.Compile(p, seccomp.Options{Caps: caps})
		if err != nil {
			return nil, "", fmt.Errorf("--security-opt seccomp=%s: %w", sec.Seccomp, err)
		}
		return f, sec.Seccomp, nil
	}
	key := strings.Join(caps, ",")
	if f, ok := defaultFilters.Load(key); ok {
		return f.(*seccomp.Filter), "docker's default", nil
	}
	f, err := seccomp.Compile(seccomp.Default(), seccomp.Options{Caps: caps})
	if err != nil {
		return nil, "", fmt.Errorf("compiling the default seccomp profile: %w", err)
	}
	defaultFilters.Store(key, f)
	return f, "docker's default", nil
}

// traceSeccomp shows what the filter lets through.
func traceSeccomp(f *seccomp.Filter, profile string) {
	if f == nil {
		trace.Action("seccomp", trace.Str("profile", profile))
		return
	}
	trace.Action("seccomp", trace.Str("profile", profile), trace.Int("syscalls allowed", int64(f.Allowed)),
		trace.Int("allowed by argument", int64(f.Conditional)), trace.Int("other action", int64(f.Other)),
		trace.Str("every other syscall", f.Default), trace.Int("bpf instructions", int64(len(f.Program))))
	trace.Shellf("# no shell equivalent: init calls seccomp(SECCOMP_SET_MODE_FILTER, %d instructions) just before execve", len(f.Program))
}
