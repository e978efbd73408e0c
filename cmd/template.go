package cmd

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"text/template"
)

// jsonView is a value's JSON form as templates see it: objects become
// map[string]any (so '{{.NetworkSettings.IPAddress}}' and '{{.Id}}' name
// the keys --format json prints), lists []any, whole numbers int64 (so
// '{{.Pid}}' prints 1234, not 1.234e+03, and '{{if gt .Pid 0}}' compares),
// other numbers float64. It remembers each object's JSON, so the json
// func prints keys in the order --format json does, not sorted.
type jsonView struct {
	top     []byte             // the whole value's JSON
	objects map[uintptr][]byte // an object's JSON, by its map's address
}

func (jv *jsonView) load(v any) (any, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // "<none>" stays readable, as in docker
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	jv.top = bytes.TrimSpace(b.Bytes())
	jv.objects = map[uintptr][]byte{}
	return jv.decode(jv.top)
}

func (jv *jsonView) decode(raw []byte) (any, error) {
	switch raw[0] {
	case '{':
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, err
		}
		out := make(map[string]any, len(m))
		for k, r := range m {
			e, err := jv.decode(r)
			if err != nil {
				return nil, err
			}
			out[k] = e
		}
		if len(out) > 1 { // order matters only from two keys on
			jv.objects[reflect.ValueOf(out).Pointer()] = raw
		}
		return out, nil
	case '[':
		var l []json.RawMessage
		if err := json.Unmarshal(raw, &l); err != nil {
			return nil, err
		}
		out := make([]any, len(l))
		for i, r := range l {
			e, err := jv.decode(r)
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if n, ok := v.(json.Number); ok {
		if i, err := n.Int64(); err == nil {
			return i, nil
		}
		return n.Float64()
	}
	return v, nil
}

// json is the template func: v as compact JSON, objects with their keys
// in the order they came.
func (jv *jsonView) json(v any) (string, error) {
	var b bytes.Buffer
	if err := jv.encode(&b, v); err != nil {
		return "", err
	}
	return b.String(), nil
}

func (jv *jsonView) encode(b *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case map[string]any:
		if raw, ok := jv.objects[reflect.ValueOf(x).Pointer()]; ok {
			b.Write(raw)
			return nil
		}
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := jv.encode(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
		return nil
	}
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1) // Encode's newline
	return nil
}

// firstElement returns the JSON of a list's first element, or nil.
func firstElement(raw []byte) []byte {
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil || len(list) == 0 {
		return nil
	}
	return list[0]
}

// objectKeys returns the keys of a JSON object in the order they appear,
// or nil when raw is no object.
func objectKeys(raw []byte) []string {
	d := json.NewDecoder(bytes.NewReader(raw))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var keys []string
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return keys
		}
		k, _ := t.(string)
		keys = append(keys, k)
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			return keys
		}
	}
	return keys
}

// fill adds to data, the decoded JSON of rv, the keys that omitempty
// left out of rv's structs, with their zero values, so a template can
// name every field the type has: '{{.NetworkSettings.IPAddress}}' of a
// container that never ran is "", as in docker, not an error.
func (jv *jsonView) fill(data any, rv reflect.Value) {
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return
		}
		rv = rv.Elem()
	}
	if marshalsItself(rv.Type()) {
		return
	}
	switch rv.Kind() {
	case reflect.Struct:
		if m, ok := data.(map[string]any); ok {
			jv.fillStruct(m, rv)
		}
	case reflect.Slice, reflect.Array:
		if l, ok := data.([]any); ok && len(l) == rv.Len() {
			for i := range l {
				jv.fill(l[i], rv.Index(i))
			}
		}
	case reflect.Map:
		m, ok := data.(map[string]any)
		if !ok || rv.Type().Key().Kind() != reflect.String {
			return
		}
		for it := rv.MapRange(); it.Next(); {
			if e, ok := m[it.Key().String()]; ok {
				jv.fill(e, it.Value())
			}
		}
	}
}

func (jv *jsonView) fillStruct(m map[string]any, rv reflect.Value) {
	t := rv.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		fv := rv.Field(i)
		if f.Anonymous && name == "" {
			// An embedded struct's fields are this object's.
			if fv.Kind() == reflect.Pointer {
				if fv.IsNil() {
					continue
				}
				fv = fv.Elem()
			}
			if fv.Kind() == reflect.Struct {
				jv.fillStruct(m, fv)
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		e, ok := m[name]
		if !ok {
			if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
				continue
			}
			fv = reflect.Zero(f.Type)
			e = jv.zero(f.Type)
			m[name] = e
		}
		jv.fill(e, fv)
	}
}

// zero is the JSON form of t's zero value, with an empty list or object
// rather than null for slices and maps, so range, join and index work.
func (jv *jsonView) zero(t reflect.Type) any {
	switch t.Kind() {
	case reflect.Slice:
		if t.Elem().Kind() != reflect.Uint8 { // []byte is a base64 string
			return []any{}
		}
	case reflect.Map:
		return map[string]any{}
	}
	raw, err := json.Marshal(reflect.Zero(t).Interface())
	if err != nil {
		return nil
	}
	v, err := jv.decode(raw)
	if err != nil {
		return nil
	}
	return v
}

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// marshalsItself reports whether t writes its own JSON (time.Time, say):
// its fields are not the JSON's keys.
func marshalsItself(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return t.Implements(jsonMarshaler) || t.Implements(textMarshaler) ||
		p.Implements(jsonMarshaler) || p.Implements(textMarshaler)
}

// fieldNames lists an object's keys: those of its JSON in order, then
// those fill added.
func fieldNames(raw []byte, v any) []string {
	keys := objectKeys(raw)
	m, ok := v.(map[string]any)
	if !ok {
		return keys
	}
	have := map[string]bool{}
	for _, k := range keys {
		have[k] = true
	}
	var extra []string
	for k := range m {
		if !have[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	return append(keys, extra...)
}

// templateFuncs are the funcs a --format template may call, as in
// docker: json (replaced at run time by the jsonView's, which keeps key
// order), join, upper, lower.
var templateFuncs = template.FuncMap{
	"json":  new(jsonView).json,
	"join":  join,
	"upper": strings.ToUpper,
	"lower": strings.ToLower,
}

// join is strings.Join for the lists a template sees: []any from JSON
// (each element printed as the template would), or []string.
func join(list any, sep string) (string, error) {
	switch l := list.(type) {
	case nil:
		return "", nil
	case []string:
		return strings.Join(l, sep), nil
	case []any:
		parts := make([]string, len(l))
		for i, e := range l {
			if s, ok := e.(string); ok {
				parts[i] = s
			} else {
				parts[i] = fmt.Sprint(e)
			}
		}
		return strings.Join(parts, sep), nil
	}
	return "", fmt.Errorf("join: %T is not a list", list)
}
