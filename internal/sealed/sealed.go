// Package sealed writes and reads files whose content is checked before it
// is trusted: an 8-byte magic naming the format, a little-endian uint32
// version, a uint64 payload length, the payload, and the SHA-256 of all
// that. A flipped byte, a truncation, another format or version is an error;
// a write is atomic (a kill leaves the old file or the new one).
package sealed

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/toymodels/superposition/internal/atomicfile"
	"github.com/toymodels/superposition/internal/safeio"
)

const header = 8 + 4 + 8

// ErrCorrupt is wrapped by every error about a file's content.
var ErrCorrupt = errors.New("corrupted or not this kind of file")

// Seal frames payload under magic (8 bytes) and version.
func Seal(magic string, version uint32, payload []byte) []byte {
	if len(magic) != 8 {
		panic("sealed: magic must be 8 bytes")
	}
	out := make([]byte, 0, header+len(payload)+sha256.Size)
	out = append(out, magic...)
	out = binary.LittleEndian.AppendUint32(out, version)
	out = binary.LittleEndian.AppendUint64(out, uint64(len(payload)))
	out = append(out, payload...)
	sum := sha256.Sum256(out)
	return append(out, sum[:]...)
}

// Open checks data's framing and checksum and returns its payload.
func Open(data []byte, magic string, version uint32) ([]byte, error) {
	if len(data) < header+sha256.Size {
		return nil, fmt.Errorf("%w: %d bytes, too short", ErrCorrupt, len(data))
	}
	if string(data[:8]) != magic {
		return nil, fmt.Errorf("%w: not a %s file", ErrCorrupt, magic)
	}
	if v := binary.LittleEndian.Uint32(data[8:]); v != version {
		return nil, fmt.Errorf("%w: format version %d, this build reads %d", ErrCorrupt, v, version)
	}
	n := binary.LittleEndian.Uint64(data[12:])
	if n != uint64(len(data)-header-sha256.Size) {
		return nil, fmt.Errorf("%w: payload of %d bytes in a file of %d: truncated", ErrCorrupt, n, len(data))
	}
	body := data[:header+n]
	if sum := sha256.Sum256(body); !bytes.Equal(sum[:], data[header+n:]) {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	return body[header:], nil
}

// WriteFile seals payload into path atomically.
func WriteFile(path, magic string, version uint32, payload []byte) error {
	return atomicfile.WriteFile(path, Seal(magic, version, payload))
}

// ReadFile reads the sealed file at path (a regular file of at most limit
// bytes) and returns its payload; errors name the file.
func ReadFile(path, magic string, version uint32, limit int64) ([]byte, error) {
	data, err := safeio.ReadFile(path, limit)
	if err != nil {
		return nil, err
	}
	payload, err := Open(data, magic, version)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return payload, nil
}
