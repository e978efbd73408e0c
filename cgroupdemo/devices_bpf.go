package cgroupdemo

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// On cgroup v2 there are no devices.allow files: the kernel asks an eBPF
// program of type BPF_PROG_TYPE_CGROUP_DEVICE, attached to the cgroup,
// each time one of its processes opens or mknods a device node. The
// program reads a struct bpf_cgroup_dev_ctx:
//
//	offset 0  access_type  (access << 16) | type   access: 1 mknod, 2 read, 4 write
//	                                               type:   1 block, 2 char
//	offset 4  major
//	offset 8  minor
//
// and returns 1 to allow, 0 to refuse (EPERM). DeviceProgram compiles the
// same rules the v1 controller takes into such a program, a short chain
// of compares per rule, the last rule first, so the last rule that
// matches decides, as on v1. runc builds the same kind of program; vitro
// assembles its few instructions itself rather than pull in an eBPF
// library, so the lesson can print every one.

// BPFInsn is one eBPF instruction as the kernel reads it (struct bpf_insn).
type BPFInsn struct {
	Code uint8
	Regs uint8 // dst in the low nibble, src in the high one (little-endian)
	Off  int16
	Imm  int32
}

// eBPF opcodes used by the device program.
const (
	opLdxW   = 0x61 // BPF_LDX|BPF_MEM|BPF_W:  dst = *(u32 *)(src + off)
	opAndImm = 0x54 // BPF_ALU|BPF_AND|BPF_K:  dst &= imm (32-bit)
	opRshImm = 0x74 // BPF_ALU|BPF_RSH|BPF_K:  dst >>= imm
	opMovImm = 0xb4 // BPF_ALU|BPF_MOV|BPF_K:  dst = imm
	opMovReg = 0xbc // BPF_ALU|BPF_MOV|BPF_X:  dst = src
	opJneImm = 0x55 // BPF_JMP|BPF_JNE|BPF_K:  if dst != imm goto +off
	opExit   = 0x95 // BPF_JMP|BPF_EXIT:       return r0
)

// Device types and access bits of struct bpf_cgroup_dev_ctx.
const (
	devBlock = 1
	devChar  = 2
	accMknod = 1
	accRead  = 2
	accWrite = 4
)

func insn(code uint8, dst, src uint8, off int16, imm int32) BPFInsn {
	return BPFInsn{Code: code, Regs: dst | src<<4, Off: off, Imm: imm}
}

// String disassembles the instruction, for the trace and the lesson.
func (i BPFInsn) String() string {
	dst, src := i.Regs&0xf, i.Regs>>4
	switch i.Code {
	case opLdxW:
		return fmt.Sprintf("r%d = *(u32 *)(r%d + %d)", dst, src, i.Off)
	case opAndImm:
		return fmt.Sprintf("w%d &= %#x", dst, uint32(i.Imm))
	case opRshImm:
		return fmt.Sprintf("w%d >>= %d", dst, i.Imm)
	case opMovImm:
		return fmt.Sprintf("w%d = %d", dst, i.Imm)
	case opMovReg:
		return fmt.Sprintf("w%d = w%d", dst, src)
	case opJneImm:
		return fmt.Sprintf("if r%d != %d goto %+d", dst, i.Imm, i.Off)
	case opJeqImm:
		return fmt.Sprintf("if r%d == %d goto %+d", dst, i.Imm, i.Off)
	case opExit:
		return "exit"
	}
	return fmt.Sprintf("op %#x", i.Code)
}

// DeviceProgram compiles rules into an eBPF device program. A request
// that no rule matches is refused.
func DeviceProgram(rules []DeviceRule) ([]BPFInsn, error) {
	prog := []BPFInsn{
		insn(opLdxW, 2, 1, 0, 0),        // r2 = access_type
		insn(opAndImm, 2, 0, 0, 0xffff), // w2 = type
		insn(opLdxW, 3, 1, 0, 0),        // r3 = access_type
		insn(opRshImm, 3, 0, 0, 16),     // w3 = access
		insn(opLdxW, 4, 1, 4, 0),        // r4 = major
		insn(opLdxW, 5, 1, 8, 0),        // r5 = minor
	}
	for i := len(rules) - 1; i >= 0; i-- {
		block, err := ruleBlock(rules[i])
		if err != nil {
			return nil, err
		}
		prog = append(prog, block...)
		if len(block) == 2 {
			// A rule that matches every request ("a"): nothing after it
			// can run, and the verifier refuses unreachable code.
			return prog, nil
		}
	}
	return append(prog, insn(opMovImm, 0, 0, 0, 0), insn(opExit, 0, 0, 0, 0)), nil
}

// ruleBlock is one rule: compares that jump past the block when the
// request does not match, then "return allow".
func ruleBlock(r DeviceRule) ([]BPFInsn, error) {
	var checks []BPFInsn
	switch r.Type {
	case 'a':
	case 'b':
		checks = append(checks, insn(opJneImm, 2, 0, 0, devBlock))
	case 'c':
		checks = append(checks, insn(opJneImm, 2, 0, 0, devChar))
	default:
		return nil, fmt.Errorf("device rule %q: type must be a, b or c", r.String())
	}
	if err := checkAccess(r.Access); err != nil {
		return nil, fmt.Errorf("device rule %q: %w", r.String(), err)
	}
	var mask int32
	for _, c := range r.Access {
		mask |= map[rune]int32{'m': accMknod, 'r': accRead, 'w': accWrite}[c]
	}
	if mask != accMknod|accRead|accWrite {
		if r.Allow {
			// Allowed only if every access asked for is in the rule.
			checks = append(checks, insn(opMovReg, 6, 3, 0, 0), insn(opAndImm, 6, 0, 0, ^mask&7), insn(opJneImm, 6, 0, 0, 0))
		} else {
			// Refused if any access asked for is in the rule.
			checks = append(checks, insn(opMovReg, 6, 3, 0, 0), insn(opAndImm, 6, 0, 0, mask), insn(opJneImm, 6, 0, 0, 0))
			checks[len(checks)-1].Code = opJeqImm
		}
	}
	if r.Type != 'a' && r.Major != Wildcard {
		checks = append(checks, insn(opJneImm, 4, 0, 0, int32(r.Major)))
	}
	if r.Type != 'a' && r.Minor != Wildcard {
		checks = append(checks, insn(opJneImm, 5, 0, 0, int32(r.Minor)))
	}
	ret := int32(0)
	if r.Allow {
		ret = 1
	}
	block := append(checks, insn(opMovImm, 0, 0, 0, ret), insn(opExit, 0, 0, 0, 0))
	// Each jump skips to the end of the block, the next rule's start.
	for i := range checks {
		if block[i].Code == opJneImm || block[i].Code == opJeqImm {
			block[i].Off = int16(len(block) - i - 1)
		}
	}
	return block, nil
}

// opJeqImm is BPF_JMP|BPF_JEQ|BPF_K: if dst == imm goto +off.
const opJeqImm = 0x15

// encodeProgram lays the instructions out as the kernel reads them.
func encodeProgram(prog []BPFInsn) []byte {
	b := make([]byte, 0, 8*len(prog))
	for _, i := range prog {
		b = append(b, i.Code, i.Regs)
		b = binary.LittleEndian.AppendUint16(b, uint16(i.Off))
		b = binary.LittleEndian.AppendUint32(b, uint32(i.Imm))
	}
	return b
}

// Disassemble lists the program one instruction a line.
func Disassemble(prog []BPFInsn) string {
	var sb strings.Builder
	for n, i := range prog {
		fmt.Fprintf(&sb, "%3d: %s\n", n, i)
	}
	return sb.String()
}
