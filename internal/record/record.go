// Package record encodes Go values exactly, for results that travel between
// processes and must come back bit for bit: the part files of a sharded
// sweep, whose merge has to write the summary.json an unsharded run writes.
//
// JSON loses non-finite floats and fields tagged "-"; gob drops a pointer
// to a zero value and turns an empty slice into nil (both change JSON output).
// This encoding keeps all of them: every exported field in declaration order
// (whatever its tags), floats as their IEEE bits, nil distinguished from
// empty for slices, maps and pointers, map entries in the order of their
// encoded keys (so equal values give equal bytes). Both ends know the type:
// nothing about it is written. Interfaces, channels, functions and structs
// with unexported fields are refused, since they could not come back whole.
package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
)

// ErrCorrupt is wrapped by every decoding error.
var ErrCorrupt = errors.New("record: corrupted")

// maxDepth bounds the nesting of pointers, slices and maps in a decoded
// value, so that a self-referencing type cannot recurse without end.
const maxDepth = 64

// Marshal encodes v.
func Marshal(v any) ([]byte, error) {
	var e encoder
	if err := e.value(reflect.ValueOf(v), 0); err != nil {
		return nil, err
	}
	return e.buf, nil
}

// Unmarshal decodes data, made by [Marshal] from a value of the same type,
// into the value ptr points to. All of data must be used.
func Unmarshal(data []byte, ptr any) error {
	rv := reflect.ValueOf(ptr)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return errors.New("record: Unmarshal needs a non-nil pointer")
	}
	d := decoder{data: data}
	if err := d.value(rv.Elem(), 0); err != nil {
		return err
	}
	if len(d.data) != 0 {
		return fmt.Errorf("%w: %d bytes after the value", ErrCorrupt, len(d.data))
	}
	return nil
}

type encoder struct{ buf []byte }

func (e *encoder) uvarint(u uint64) { e.buf = binary.AppendUvarint(e.buf, u) }

func (e *encoder) value(v reflect.Value, depth int) error {
	if depth > maxDepth {
		return errors.New("record: value nested too deep")
	}
	switch v.Kind() {
	case reflect.Bool:
		b := byte(0)
		if v.Bool() {
			b = 1
		}
		e.buf = append(e.buf, b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.buf = binary.AppendVarint(e.buf, v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		e.uvarint(v.Uint())
	case reflect.Float32:
		e.buf = binary.LittleEndian.AppendUint32(e.buf, math.Float32bits(float32(v.Float())))
	case reflect.Float64:
		e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(v.Float()))
	case reflect.String:
		e.uvarint(uint64(v.Len()))
		e.buf = append(e.buf, v.String()...)
	case reflect.Pointer:
		if v.IsNil() {
			e.buf = append(e.buf, 0)
			return nil
		}
		e.buf = append(e.buf, 1)
		return e.value(v.Elem(), depth+1)
	case reflect.Slice:
		if v.IsNil() {
			e.buf = append(e.buf, 0)
			return nil
		}
		e.buf = append(e.buf, 1)
		// Float slices (weights, activations) without a reflect call per
		// element: the same bytes as the general path.
		switch x := v.Interface().(type) {
		case []float64:
			e.uvarint(uint64(len(x)))
			for _, f := range x {
				e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(f))
			}
			return nil
		case []float32:
			e.uvarint(uint64(len(x)))
			for _, f := range x {
				e.buf = binary.LittleEndian.AppendUint32(e.buf, math.Float32bits(f))
			}
			return nil
		}
		fallthrough
	case reflect.Array:
		e.uvarint(uint64(v.Len()))
		for i := range v.Len() {
			if err := e.value(v.Index(i), depth+1); err != nil {
				return err
			}
		}
	case reflect.Map:
		if v.IsNil() {
			e.buf = append(e.buf, 0)
			return nil
		}
		e.buf = append(e.buf, 1)
		type entry struct{ key, val []byte }
		entries := make([]entry, 0, v.Len())
		it := v.MapRange()
		for it.Next() {
			var k, x encoder
			if err := k.value(it.Key(), depth+1); err != nil {
				return err
			}
			if err := x.value(it.Value(), depth+1); err != nil {
				return err
			}
			entries = append(entries, entry{k.buf, x.buf})
		}
		slices.SortFunc(entries, func(a, b entry) int { return bytes.Compare(a.key, b.key) })
		e.uvarint(uint64(len(entries)))
		for _, en := range entries {
			e.buf = append(append(e.buf, en.key...), en.val...)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				return fmt.Errorf("record: %s.%s is unexported and could not come back", t, f.Name)
			}
			if err := e.value(v.Field(i), depth+1); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("record: cannot encode a %s (%s)", v.Kind(), v.Type())
	}
	return nil
}

type decoder struct{ data []byte }

func (d *decoder) take(n int) ([]byte, error) {
	if n < 0 || n > len(d.data) {
		return nil, fmt.Errorf("%w: wants %d bytes, %d left", ErrCorrupt, n, len(d.data))
	}
	b := d.data[:n]
	d.data = d.data[n:]
	return b, nil
}

func (d *decoder) uvarint() (uint64, error) {
	u, n := binary.Uvarint(d.data)
	if n <= 0 {
		return 0, fmt.Errorf("%w: bad length", ErrCorrupt)
	}
	d.data = d.data[n:]
	return u, nil
}

// length reads a count of elements, each taking at least one byte unless
// zero-sized (bounded separately), so that a forged count cannot allocate
// more than the data could hold.
func (d *decoder) length(elem reflect.Type) (int, error) {
	u, err := d.uvarint()
	if err != nil {
		return 0, err
	}
	limit := uint64(len(d.data))
	if elem != nil && elem.Size() == 0 {
		limit = 1 << 20
	}
	if u > limit {
		return 0, fmt.Errorf("%w: %d elements in %d bytes", ErrCorrupt, u, len(d.data))
	}
	return int(u), nil
}

// present reads the nil marker of a pointer, slice or map.
func (d *decoder) present() (bool, error) {
	b, err := d.take(1)
	if err != nil {
		return false, err
	}
	switch b[0] {
	case 0:
		return false, nil
	case 1:
		return true, nil
	}
	return false, fmt.Errorf("%w: nil marker %d", ErrCorrupt, b[0])
}

func (d *decoder) value(v reflect.Value, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("%w: nested too deep", ErrCorrupt)
	}
	switch v.Kind() {
	case reflect.Bool:
		b, err := d.take(1)
		if err != nil {
			return err
		}
		if b[0] > 1 {
			return fmt.Errorf("%w: bool %d", ErrCorrupt, b[0])
		}
		v.SetBool(b[0] == 1)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		x, n := binary.Varint(d.data)
		if n <= 0 || v.OverflowInt(x) {
			return fmt.Errorf("%w: bad %s", ErrCorrupt, v.Type())
		}
		d.data = d.data[n:]
		v.SetInt(x)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		x, err := d.uvarint()
		if err != nil || v.OverflowUint(x) {
			return fmt.Errorf("%w: bad %s", ErrCorrupt, v.Type())
		}
		v.SetUint(x)
	case reflect.Float32:
		b, err := d.take(4)
		if err != nil {
			return err
		}
		v.SetFloat(float64(math.Float32frombits(binary.LittleEndian.Uint32(b))))
	case reflect.Float64:
		b, err := d.take(8)
		if err != nil {
			return err
		}
		v.SetFloat(math.Float64frombits(binary.LittleEndian.Uint64(b)))
	case reflect.String:
		n, err := d.length(nil)
		if err != nil {
			return err
		}
		b, err := d.take(n)
		if err != nil {
			return err
		}
		v.SetString(string(b))
	case reflect.Pointer:
		ok, err := d.present()
		if err != nil || !ok {
			return err
		}
		p := reflect.New(v.Type().Elem())
		if err := d.value(p.Elem(), depth+1); err != nil {
			return err
		}
		v.Set(p)
	case reflect.Slice:
		ok, err := d.present()
		if err != nil || !ok {
			return err
		}
		n, err := d.length(v.Type().Elem())
		if err != nil {
			return err
		}
		switch v.Type() {
		case reflect.TypeFor[[]float64]():
			b, err := d.take(8 * n)
			if err != nil {
				return err
			}
			x := make([]float64, n)
			for i := range x {
				x[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
			}
			v.Set(reflect.ValueOf(x))
			return nil
		case reflect.TypeFor[[]float32]():
			b, err := d.take(4 * n)
			if err != nil {
				return err
			}
			x := make([]float32, n)
			for i := range x {
				x[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
			}
			v.Set(reflect.ValueOf(x))
			return nil
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			if err := d.value(s.Index(i), depth+1); err != nil {
				return err
			}
		}
		v.Set(s)
	case reflect.Array:
		n, err := d.length(v.Type().Elem())
		if err != nil {
			return err
		}
		if n != v.Len() {
			return fmt.Errorf("%w: %d elements for a %s", ErrCorrupt, n, v.Type())
		}
		for i := range n {
			if err := d.value(v.Index(i), depth+1); err != nil {
				return err
			}
		}
	case reflect.Map:
		ok, err := d.present()
		if err != nil || !ok {
			return err
		}
		n, err := d.length(nil)
		if err != nil {
			return err
		}
		t := v.Type()
		m := reflect.MakeMapWithSize(t, n)
		for range n {
			k, x := reflect.New(t.Key()).Elem(), reflect.New(t.Elem()).Elem()
			if err := d.value(k, depth+1); err != nil {
				return err
			}
			if err := d.value(x, depth+1); err != nil {
				return err
			}
			if m.MapIndex(k).IsValid() {
				return fmt.Errorf("%w: a map key twice", ErrCorrupt)
			}
			m.SetMapIndex(k, x)
		}
		v.Set(m)
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			if !t.Field(i).IsExported() {
				return fmt.Errorf("record: %s.%s is unexported", t, t.Field(i).Name)
			}
			if err := d.value(v.Field(i), depth+1); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("record: cannot decode a %s (%s)", v.Kind(), v.Type())
	}
	return nil
}
