package trace

import (
	"strconv"
	"time"
)

type fieldType uint8

const (
	typeStr fieldType = iota
	typeInt
	typeHex
	typeDur
	typeBool
)

// Field is a typed key/value pair. Values are formatted only when a
// renderer writes them, so building a Field never allocates.
type Field struct {
	Key string
	typ fieldType
	str string
	num int64
}

// Str is a string field.
func Str(key, value string) Field { return Field{Key: key, typ: typeStr, str: value} }

// Int is an integer field.
func Int(key string, value int64) Field { return Field{Key: key, typ: typeInt, num: value} }

// Hex is an integer field printed in hexadecimal (flags, masks).
func Hex(key string, value uint64) Field { return Field{Key: key, typ: typeHex, num: int64(value)} }

// Dur is a duration field.
func Dur(key string, d time.Duration) Field { return Field{Key: key, typ: typeDur, num: int64(d)} }

// Bool is a boolean field.
func Bool(key string, b bool) Field {
	var n int64
	if b {
		n = 1
	}
	return Field{Key: key, typ: typeBool, num: n}
}

// Value returns the field's value as text.
func (f Field) Value() string {
	switch f.typ {
	case typeInt:
		return strconv.FormatInt(f.num, 10)
	case typeHex:
		return "0x" + strconv.FormatUint(uint64(f.num), 16)
	case typeDur:
		return time.Duration(f.num).String()
	case typeBool:
		return strconv.FormatBool(f.num != 0)
	}
	return f.str
}

// JSONValue returns the value as Go data for JSON renderers: numbers stay
// numbers, durations become nanoseconds.
func (f Field) JSONValue() any {
	switch f.typ {
	case typeInt, typeDur:
		return f.num
	case typeBool:
		return f.num != 0
	case typeHex:
		return f.Value()
	}
	return f.str
}
