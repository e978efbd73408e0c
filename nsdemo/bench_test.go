package nsdemo

import (
	"context"
	"os"
	"testing"
)

// What a namespace costs to make and to join: one demo (clone, handshake,
// inode table, exit) per iteration, and one nsenter round trip (re-exec,
// setns in the constructor, fork of the program).

func BenchmarkDemo(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	for _, name := range Names() {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Run(context.Background(), name, Options{CgroupParent: "vitro/bench-nsdemo-" + itoa(os.Getpid())}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEnter(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	_, err := Mnt(context.Background(), Options{Ready: func(o Outcome) error {
		for b.Loop() {
			c, err := Enter(o.Summary().ChildPID, []string{"mnt"}, []string{"true"})
			if err != nil {
				return err
			}
			if err := c.Run(); err != nil {
				return err
			}
		}
		return nil
	}})
	if err != nil {
		b.Fatal(err)
	}
}
