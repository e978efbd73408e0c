package fsutil

import (
	"encoding/json"
	"fmt"
	"os"
)

// WriteJSONAtomic marshals v (indented) and writes it with WriteFileAtomic.
func WriteJSONAtomic(path string, v any) error { return writeJSON(path, v) }

// ReplaceJSON marshals v (indented) and writes it with ReplaceFile.
func ReplaceJSON(path string, v any) error { return writeJSON(path, v, NoSync()) }

func writeJSON(path string, v any, opts ...Option) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, append(b, '\n'), 0o644, opts...)
}

// ReadJSON reads path into v.
func ReadJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
