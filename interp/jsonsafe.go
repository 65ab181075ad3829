package interp

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// NonFiniteKey is the top-level field a summary gains when some of its
// numbers are NaN or infinite (a metric undefined at that setting: FVU on
// an evaluation sample without variance, say). JSON has no such numbers, so
// each is written as null and listed here with its path and value.
const NonFiniteKey = "non_finite"

// NonFinite is one number written as null.
type NonFinite struct {
	Path   string `json:"path"`
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

// marshalFinite encodes v as json.MarshalIndent does, except that NaN and
// ±Inf become null and are listed under [NonFiniteKey] (when v encodes as
// an object). Field order, tags, omitempty and json.Marshaler are honoured.
func marshalFinite(v any) ([]byte, []NonFinite, error) {
	e := &finiteEncoder{}
	var buf bytes.Buffer
	if err := e.encode(&buf, reflect.ValueOf(v), ""); err != nil {
		return nil, nil, err
	}
	data := buf.Bytes()
	if len(e.bad) > 0 && len(data) > 1 && data[0] == '{' {
		list, err := json.Marshal(e.bad)
		if err != nil {
			return nil, nil, err
		}
		sep := ","
		if string(data) == "{}" {
			sep = ""
		}
		data = append(data[:len(data)-1], sep+`"`+NonFiniteKey+`":`...)
		data = append(append(data, list...), '}')
	}
	var out bytes.Buffer
	if err := json.Indent(&out, data, "", "  "); err != nil {
		return nil, nil, err
	}
	return out.Bytes(), e.bad, nil
}

type finiteEncoder struct{ bad []NonFinite }

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

func (e *finiteEncoder) encode(buf *bytes.Buffer, v reflect.Value, path string) error {
	if !v.IsValid() {
		buf.WriteString("null")
		return nil
	}
	t := v.Type()
	if t.Implements(marshalerType) || t.Implements(textMarshalerType) || (v.CanAddr() && reflect.PointerTo(t).Implements(marshalerType)) {
		if (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && v.IsNil() {
			buf.WriteString("null")
			return nil
		}
		data, err := json.Marshal(v.Interface())
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		buf.Write(data)
		return nil
	}
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			e.bad = append(e.bad, NonFinite{Path: strings.TrimPrefix(path, "."), Value: strconv.FormatFloat(f, 'g', -1, 64),
				Reason: "not a finite number: undefined at this setting"})
			buf.WriteString("null")
			return nil
		}
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			buf.WriteString("null")
			return nil
		}
		return e.encode(buf, v.Elem(), path)
	case reflect.Struct:
		return e.encodeStruct(buf, v, path)
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			buf.WriteString("null")
			return nil
		}
		if t.Elem().Kind() == reflect.Uint8 {
			break // []byte: base64, as encoding/json writes it
		}
		buf.WriteByte('[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := e.encode(buf, v.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
		return nil
	case reflect.Map:
		if v.IsNil() {
			buf.WriteString("null")
			return nil
		}
		type kv struct {
			key string
			val reflect.Value
		}
		var entries []kv
		for it := v.MapRange(); it.Next(); {
			k, err := json.Marshal(it.Key().Interface())
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			ks := string(k)
			if ks[0] == '"' {
				if err := json.Unmarshal(k, &ks); err != nil {
					return err
				}
			}
			entries = append(entries, kv{ks, it.Value()})
		}
		slices.SortFunc(entries, func(a, b kv) int { return strings.Compare(a.key, b.key) })
		buf.WriteByte('{')
		for i, en := range entries {
			if i > 0 {
				buf.WriteByte(',')
			}
			k, _ := json.Marshal(en.key)
			buf.Write(k)
			buf.WriteByte(':')
			if err := e.encode(buf, en.val, path+"."+en.key); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
		return nil
	}
	data, err := json.Marshal(v.Interface())
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	buf.Write(data)
	return nil
}

// field is a struct field as encoding/json sees it.
type field struct {
	name      string
	index     []int
	omitEmpty bool
	quoted    bool
}

// jsonStructFields lists t's encoded fields in order, embedded structs'
// promoted (the simple rule: an untagged embedded struct's fields are
// inlined; name clashes are not resolved as encoding/json would, which no
// summary needs).
func jsonStructFields(t reflect.Type, index []int) []field {
	var out []field
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		idx := append(slices.Clone(index), i)
		ft := f.Type
		if f.Anonymous && name == "" {
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				out = append(out, jsonStructFields(ft, idx)...)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, field{name: name, index: idx, omitEmpty: strings.Contains(","+opts+",", ",omitempty,"), quoted: strings.Contains(","+opts+",", ",string,")})
	}
	return out
}

func (e *finiteEncoder) encodeStruct(buf *bytes.Buffer, v reflect.Value, path string) error {
	buf.WriteByte('{')
	first := true
	for _, f := range jsonStructFields(v.Type(), nil) {
		fv, err := v.FieldByIndexErr(f.index)
		if err != nil {
			continue // through a nil embedded pointer: encoding/json skips it too
		}
		if f.omitEmpty && isEmpty(fv) {
			continue
		}
		if !first {
			buf.WriteByte(',')
		}
		first = false
		k, _ := json.Marshal(f.name)
		buf.Write(k)
		buf.WriteByte(':')
		if f.quoted {
			data, err := json.Marshal(fv.Interface())
			if err != nil {
				return fmt.Errorf("%s.%s: %w", path, f.name, err)
			}
			q, _ := json.Marshal(string(data))
			buf.Write(q)
			continue
		}
		if err := e.encode(buf, fv, path+"."+f.name); err != nil {
			return err
		}
	}
	buf.WriteByte('}')
	return nil
}

// isEmpty is encoding/json's omitempty rule.
func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}
