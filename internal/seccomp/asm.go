package seccomp

import "fmt"

// A small classic-BPF assembler: instructions whose jump targets are
// labels, resolved once the program is laid out. Jumps in classic BPF
// reach at most 255 instructions forward; the compiler keeps each block
// short enough, and Resolve says so if one is not.

type label int

type asmInsn struct {
	Instruction
	jt, jf label // 0: fall through (offset 0)
}

type assembler struct {
	prog   []asmInsn
	labels []int // label → index of the instruction it names
}

func (a *assembler) newLabel() label {
	a.labels = append(a.labels, -1)
	return label(len(a.labels)) // 1-based: 0 means none
}

// mark makes l name the next instruction.
func (a *assembler) mark(l label) { a.labels[l-1] = len(a.prog) }

func (a *assembler) emit(code uint16, k uint32, jt, jf label) {
	a.prog = append(a.prog, asmInsn{Instruction: Instruction{Code: code, K: k}, jt: jt, jf: jf})
}

// Classic BPF opcodes used by seccomp filters.
const (
	bpfLdAbsW = 0x20 // BPF_LD|BPF_W|BPF_ABS: A = data[k]
	bpfAndK   = 0x54 // BPF_ALU|BPF_AND|BPF_K: A &= k
	bpfJeqK   = 0x15 // BPF_JMP|BPF_JEQ|BPF_K
	bpfJgtK   = 0x25 // BPF_JMP|BPF_JGT|BPF_K
	bpfJgeK   = 0x35 // BPF_JMP|BPF_JGE|BPF_K
	bpfRetK   = 0x06 // BPF_RET|BPF_K
)

func (a *assembler) load(off uint32)                        { a.emit(bpfLdAbsW, off, 0, 0) }
func (a *assembler) and(k uint32)                           { a.emit(bpfAndK, k, 0, 0) }
func (a *assembler) ret(k uint32)                           { a.emit(bpfRetK, k, 0, 0) }
func (a *assembler) jump(code uint16, k uint32, t, f label) { a.emit(code, k, t, f) }

func (a *assembler) resolve() ([]Instruction, error) {
	out := make([]Instruction, len(a.prog))
	for i, in := range a.prog {
		out[i] = in.Instruction
		for _, j := range []struct {
			l   label
			dst *uint8
		}{{in.jt, &out[i].Jt}, {in.jf, &out[i].Jf}} {
			if j.l == 0 {
				continue
			}
			off := a.labels[j.l-1] - i - 1
			if off < 0 || off > 255 {
				return nil, fmt.Errorf("seccomp: jump of %d instructions at %d: the profile's rules for one system call are too long", off, i)
			}
			*j.dst = uint8(off)
		}
	}
	return out, nil
}
