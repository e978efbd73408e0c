package engine

import (
	"crypto/rand"
	"math/big"
)

// Names are an adjective and a scientist of containers and kernels, in
// the spirit of docker's random names.
var (
	adjectives = []string{"brave", "calm", "clever", "eager", "fond", "gentle", "happy", "keen", "lucid", "merry",
		"nimble", "patient", "quiet", "sharp", "steady", "tidy", "vivid", "wise", "witty", "zesty"}
	surnames = []string{"torvalds", "thompson", "ritchie", "kernighan", "mckusick", "bach", "tanenbaum", "lamport",
		"hopper", "lovelace", "liskov", "dijkstra", "knuth", "wirth", "hamilton", "allen", "goldwasser", "perlman",
		"cerf", "kahn"}
)

func pick(list []string) string {
	n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(list))))
	return list[n.Int64()]
}

// RandomName returns a name such as "nimble_ritchie".
func RandomName() string { return pick(adjectives) + "_" + pick(surnames) }
