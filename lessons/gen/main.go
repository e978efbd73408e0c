package main

import (
	"fmt"
	"os"

	"github.com/vitro-dev/vitro/lessons"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run ./lessons/gen DIR")
		os.Exit(2)
	}
	if err := lessons.WriteDocs(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
