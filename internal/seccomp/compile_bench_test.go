package seccomp

import "testing"

// BenchmarkDefaultProfile is what one `vitro run` spends on seccomp in
// the parent: parse the embedded profile and compile it.
func BenchmarkDefaultProfile(b *testing.B) {
	for b.Loop() {
		if _, err := Compile(Default(), Options{Caps: dockerCaps}); err != nil {
			b.Fatal(err)
		}
	}
}
