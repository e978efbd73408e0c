package seccomp

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// Instruction is one classic BPF instruction (struct sock_filter).
type Instruction struct {
	Code   uint16 `json:"c"`
	Jt, Jf uint8
	K      uint32 `json:"k"`
}

// Encode lays prog out as the kernel reads it (struct sock_filter, 8
// bytes an instruction, this machine's byte order): a compact form to
// hand to another process, which Install takes.
func Encode(prog []Instruction) []byte {
	b := make([]byte, 0, 8*len(prog))
	for _, in := range prog {
		b = binary.NativeEndian.AppendUint16(b, in.Code)
		b = append(b, in.Jt, in.Jf)
		b = binary.NativeEndian.AppendUint32(b, in.K)
	}
	return b
}

// Filter is a profile compiled for one container.
type Filter struct {
	Program     []Instruction `json:"program"`
	Allowed     int           `json:"allowed"`     // syscalls allowed whatever their arguments
	Conditional int           `json:"conditional"` // syscalls whose arguments decide
	Other       int           `json:"other"`       // syscalls given another action (an errno, kill)
	Default     string        `json:"default"`     // what every other syscall gets: "errno EPERM"
	Unknown     int           `json:"unknown"`     // names this architecture lacks (ignored, as libseccomp does)
}

// Options select the rules of a profile that apply to a container.
type Options struct {
	// Caps are the container's capabilities ("SYS_ADMIN" or
	// "CAP_SYS_ADMIN"): rules that include a capability apply only with
	// it, rules that exclude one only without.
	Caps []string
	// Kernel is the kernel release (uname -r) for minKernel; "" is this
	// machine's.
	Kernel string
}

// Action is a seccomp return value: SECCOMP_RET_* in the high 16 bits,
// an errno in the low ones for SECCOMP_RET_ERRNO.
type Action uint32

// The kernel's seccomp return values (linux/seccomp.h).
const (
	ActKillProcess Action = 0x80000000
	ActKillThread  Action = 0x00000000
	ActTrap        Action = 0x00030000
	ActErrno       Action = 0x00050000
	ActLog         Action = 0x7ffc0000
	ActAllow       Action = 0x7fff0000
)

// rule is one applicable rule for one system call.
type rule struct {
	action Action
	args   []Arg
}

// perSyscall gathers the rules that apply to one system call: those that
// look at arguments, in the profile's order, and at most one that does not.
type perSyscall struct {
	nr     uint32
	conds  []rule
	uncond bool
	action Action
}

// Compile turns the rules of p that apply to a container with opts into
// a BPF program for this machine's architecture. A call made through
// another architecture's entry (32-bit x86 on x86_64, x32) gets the
// default action, or is killed when the default allows.
//
// The program: check the architecture; then, for each system call whose
// arguments matter, a block that compares the number and then each rule's
// arguments (64-bit values in two 32-bit halves); then, per action, a run
// of number compares; last, the default.
func Compile(p *Profile, opts Options) (*Filter, error) {
	if auditArch == 0 {
		return nil, fmt.Errorf("seccomp: vitro has no syscall table for %s (amd64 and arm64 only)", runtime.GOARCH)
	}
	def, err := action(p.DefaultAction, p.DefaultErrnoRet)
	if err != nil {
		return nil, fmt.Errorf("defaultAction: %w", err)
	}
	kernel := opts.Kernel
	if kernel == "" {
		kernel = kernelRelease()
	}
	caps := map[string]bool{}
	for _, c := range opts.Caps {
		caps["CAP_"+strings.TrimPrefix(strings.ToUpper(c), "CAP_")] = true
	}
	f := &Filter{Default: actionName(def)}
	calls := map[string]*perSyscall{}
	var order []string
	for _, r := range p.Syscalls {
		if !applies(r, caps, kernel) {
			continue
		}
		act, err := action(r.Action, r.ErrnoRet)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.Names[0], err)
		}
		for _, a := range r.Args {
			if err := checkArg(a); err != nil {
				return nil, fmt.Errorf("%s: %w", r.Names[0], err)
			}
		}
		for _, name := range r.Names {
			nr, ok := syscallNumber(name)
			if !ok {
				f.Unknown++
				continue
			}
			s := calls[name]
			if s == nil {
				s = &perSyscall{nr: nr}
				calls[name] = s
				order = append(order, name)
			}
			switch {
			case len(r.Args) > 0:
				s.conds = append(s.conds, rule{act, r.Args})
			case s.uncond && s.action != act:
				return nil, fmt.Errorf("syscall %s: two actions, %s and %s", name, actionName(s.action), actionName(act))
			default:
				s.uncond, s.action = true, act
			}
		}
	}
	prog, err := assemble(def, order, calls, f)
	if err != nil {
		return nil, err
	}
	if len(prog) > 4096 {
		return nil, fmt.Errorf("seccomp: the profile compiles to %d instructions, more than the kernel's 4096", len(prog))
	}
	f.Program = prog
	return f, nil
}

// Offsets in struct seccomp_data.
const (
	offNr   = 0
	offArch = 4
	offArgs = 16
)

func assemble(def Action, order []string, calls map[string]*perSyscall, f *Filter) ([]Instruction, error) {
	a := &assembler{}
	badArch := def
	if def == ActAllow || def == ActLog {
		badArch = ActKillProcess // an allowing default must not let another ABI through
	}
	archOK := a.newLabel()
	a.load(offArch)
	a.jump(bpfJeqK, auditArch, archOK, 0)
	a.ret(uint32(badArch))
	a.mark(archOK)
	if x32Bit != 0 { // x32 shares x86_64's audit arch: its numbers have bit 30 set
		native := a.newLabel()
		a.load(offNr)
		a.jump(bpfJgeK, x32Bit, 0, native)
		a.ret(uint32(badArch))
		a.mark(native)
	}
	for _, name := range order {
		s := calls[name]
		if len(s.conds) == 0 {
			continue
		}
		f.Conditional++
		next := a.newLabel()
		a.load(offNr)
		a.jump(bpfJeqK, s.nr, 0, next)
		for _, r := range s.conds {
			fail := a.newLabel()
			for _, arg := range r.args {
				emitArg(a, arg, fail)
			}
			a.ret(uint32(r.action))
			a.mark(fail)
		}
		if s.uncond {
			a.ret(uint32(s.action))
		} else {
			a.ret(uint32(def))
		}
		a.mark(next)
	}
	a.load(offNr)
	var acts []Action
	byAction := map[Action][]uint32{}
	for _, name := range order {
		s := calls[name]
		if !s.uncond || len(s.conds) > 0 {
			continue
		}
		if _, ok := byAction[s.action]; !ok {
			acts = append(acts, s.action)
		}
		byAction[s.action] = append(byAction[s.action], s.nr)
		if s.action == ActAllow {
			f.Allowed++
		} else {
			f.Other++
		}
	}
	// Allowed calls first: the commonest answer is found soonest.
	slices.SortStableFunc(acts, func(x, y Action) int {
		return map[bool]int{true: 0, false: 1}[x == ActAllow] - map[bool]int{true: 0, false: 1}[y == ActAllow]
	})
	for _, act := range acts {
		nrs := byAction[act]
		for len(nrs) > 0 {
			chunk := nrs[:min(len(nrs), 200)]
			nrs = nrs[len(chunk):]
			hit, miss := a.newLabel(), a.newLabel()
			for i, nr := range chunk {
				if i == len(chunk)-1 {
					a.jump(bpfJeqK, nr, hit, miss)
				} else {
					a.jump(bpfJeqK, nr, hit, 0)
				}
			}
			a.mark(hit)
			a.ret(uint32(act))
			a.mark(miss)
		}
	}
	a.ret(uint32(def))
	return a.resolve()
}

// argOffsets are where argument i's low and high 32 bits are.
func argOffsets(i uint) (lo, hi uint32) {
	lo = offArgs + 8*uint32(i)
	if binary.NativeEndian.Uint16([]byte{1, 0}) == 1 {
		return lo, lo + 4
	}
	return lo + 4, lo
}

// emitArg compares one argument, 64 bits as two halves, and jumps to
// fail when it does not match; on a match it falls through.
func emitArg(a *assembler, c Arg, fail label) {
	lo, hi := argOffsets(c.Index)
	vh, vl := uint32(c.Value>>32), uint32(c.Value)
	pass := a.newLabel()
	switch c.Op {
	case "SCMP_CMP_EQ":
		a.load(hi)
		a.jump(bpfJeqK, vh, 0, fail)
		a.load(lo)
		a.jump(bpfJeqK, vl, 0, fail)
	case "SCMP_CMP_NE":
		a.load(hi)
		a.jump(bpfJeqK, vh, 0, pass)
		a.load(lo)
		a.jump(bpfJeqK, vl, fail, 0)
	case "SCMP_CMP_GT", "SCMP_CMP_GE":
		a.load(hi)
		a.jump(bpfJgtK, vh, pass, 0)
		a.jump(bpfJeqK, vh, 0, fail)
		a.load(lo)
		a.jump(map[string]uint16{"SCMP_CMP_GT": bpfJgtK, "SCMP_CMP_GE": bpfJgeK}[c.Op], vl, 0, fail)
	case "SCMP_CMP_LT", "SCMP_CMP_LE":
		a.load(hi)
		a.jump(bpfJgeK, vh, 0, pass)
		a.jump(bpfJgtK, vh, fail, 0)
		a.load(lo)
		a.jump(map[string]uint16{"SCMP_CMP_LT": bpfJgeK, "SCMP_CMP_LE": bpfJgtK}[c.Op], vl, fail, 0)
	case "SCMP_CMP_MASKED_EQ":
		wh, wl := uint32(c.ValueTwo>>32), uint32(c.ValueTwo)
		a.load(hi)
		a.and(vh)
		a.jump(bpfJeqK, wh, 0, fail)
		a.load(lo)
		a.and(vl)
		a.jump(bpfJeqK, wl, 0, fail)
	}
	a.mark(pass)
}

// applies reports whether rule r applies to a container with caps on
// this architecture and kernel.
func applies(r Rule, caps map[string]bool, kernel string) bool {
	for _, c := range r.Includes.Caps {
		if !caps[c] {
			return false
		}
	}
	for _, c := range r.Excludes.Caps {
		if caps[c] {
			return false
		}
	}
	if len(r.Includes.Arches) > 0 && !slices.Contains(r.Includes.Arches, runtime.GOARCH) {
		return false
	}
	if slices.Contains(r.Excludes.Arches, runtime.GOARCH) {
		return false
	}
	if r.Includes.MinKernel != "" && kernelLess(kernel, r.Includes.MinKernel) {
		return false
	}
	return true
}

// kernelLess compares "major.minor" prefixes of two kernel releases.
func kernelLess(a, b string) bool {
	pa, pb := versionParts(a), versionParts(b)
	if pa[0] != pb[0] {
		return pa[0] < pb[0]
	}
	return pa[1] < pb[1]
}

func versionParts(v string) [2]int {
	var out [2]int
	for i, p := range strings.SplitN(v, ".", 3) {
		if i > 1 {
			break
		}
		n := 0
		for _, c := range p {
			if c < '0' || c > '9' {
				break
			}
			n = n*10 + int(c-'0')
		}
		out[i] = n
	}
	return out
}

// action maps docker's action names to the kernel's return values.
func action(name string, errno *uint) (Action, error) {
	switch name {
	case "SCMP_ACT_ALLOW":
		return ActAllow, nil
	case "SCMP_ACT_ERRNO":
		e := uint(1) // EPERM
		if errno != nil {
			e = *errno
		}
		if e == 0 || e > 0xfff {
			return 0, fmt.Errorf("errnoRet %d: want an errno from 1 to 4095", e)
		}
		return ActErrno | Action(e), nil
	case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD":
		return ActKillThread, nil
	case "SCMP_ACT_KILL_PROCESS":
		return ActKillProcess, nil
	case "SCMP_ACT_TRAP":
		return ActTrap, nil
	case "SCMP_ACT_LOG":
		return ActLog, nil
	}
	return 0, fmt.Errorf("action %q: want SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP or SCMP_ACT_LOG", name)
}

// actionName says what an action does, for the trace: "allow", "errno EPERM".
func actionName(a Action) string {
	switch {
	case a == ActAllow:
		return "allow"
	case a == ActKillProcess:
		return "kill process"
	case a == ActKillThread:
		return "kill thread"
	case a == ActTrap:
		return "trap (SIGSYS)"
	case a == ActLog:
		return "log and allow"
	case a&^0xffff == ActErrno:
		return "errno " + errnoName(int(a&0xffff))
	}
	return fmt.Sprintf("action %#x", uint32(a))
}

func errnoName(e int) string {
	switch e {
	case 1:
		return "EPERM"
	case 13:
		return "EACCES"
	case 38:
		return "ENOSYS"
	}
	return strconv.Itoa(e)
}

// checkArg checks one argument comparison.
func checkArg(a Arg) error {
	if a.Index > 5 {
		return fmt.Errorf("argument index %d: system calls have 6 arguments (0-5)", a.Index)
	}
	switch a.Op {
	case "SCMP_CMP_EQ", "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_GT", "SCMP_CMP_GE", "SCMP_CMP_MASKED_EQ":
		return nil
	}
	return fmt.Errorf("op %q: want SCMP_CMP_EQ, NE, LT, LE, GT, GE or MASKED_EQ", a.Op)
}
