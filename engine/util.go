package engine

import (
	"encoding/json"
	"sort"
)

func sortStrings(s []string) { sort.Strings(s) }

func decode(data []byte, out any) error {
	if len(data) == 0 {
		return nil
	}
	return json.Unmarshal(data, out)
}
