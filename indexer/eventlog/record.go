package eventlog

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"time"

	"github.com/siftdesk/sift/models"
)

// On disk, a segment is a sequence of records and nothing else:
//
//	length   uint32, little endian: bytes in payload
//	checksum uint32, little endian: CRC-32C of the length bytes and the payload
//	payload  length bytes: one event in the binary encoding below
//
// The payload starts with a format version byte (2), followed by the event's
// fields in declaration order. Strings are a uvarint byte count and the bytes;
// Time is a varint of Unix seconds and a uvarint of nanoseconds (so every
// time.Time round-trips, but in UTC and without a monotonic reading);
// ResultCount is a varint; ArticleIDs is a uvarint count and that many
// strings; Helpful is one byte: 0 for nil, 1 for false, 2 for true;
// BestRelevance is one byte, 0 for nil, or 1 and the 8 bytes of its float64
// bits, little endian. Version 1 records, which end after Category (no
// IncidentID, no BestRelevance), are read as well.

const (
	headerSize    = 8
	recordVersion = 2
	// maxPayload bounds one encoded event. A valid event is a few KB at most
	// (its query, labels and 50 article ids are all bounded by models); the
	// limit keeps a corrupt length from allocating gigabytes on open.
	maxPayload = 1 << 20
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

var (
	// errShort means the buffer ends inside a record: a torn write at the
	// tail of the last segment.
	errShort = errors.New("record truncated")
	// errCorrupt means the bytes are not a record: wrong checksum, absurd
	// length or a payload that does not decode.
	errCorrupt = errors.New("record corrupt")
)

// appendRecord appends ev, framed as one record, to dst.
func appendRecord(dst []byte, ev *models.Event) []byte {
	start := len(dst)
	dst = append(dst, make([]byte, headerSize)...)
	dst = append(dst, recordVersion)
	dst = appendString(dst, ev.ID)
	dst = appendString(dst, string(ev.Type))
	dst = appendString(dst, ev.SessionID)
	dst = appendString(dst, string(ev.Portal))
	dst = binary.AppendVarint(dst, ev.Time.Unix())
	dst = binary.AppendUvarint(dst, uint64(ev.Time.Nanosecond()))
	dst = appendString(dst, ev.Query)
	dst = binary.AppendVarint(dst, int64(ev.ResultCount))
	dst = appendString(dst, ev.ArticleID)
	dst = binary.AppendUvarint(dst, uint64(len(ev.ArticleIDs)))
	for _, id := range ev.ArticleIDs {
		dst = appendString(dst, id)
	}
	switch {
	case ev.Helpful == nil:
		dst = append(dst, 0)
	case *ev.Helpful:
		dst = append(dst, 2)
	default:
		dst = append(dst, 1)
	}
	dst = appendString(dst, ev.TicketID)
	dst = appendString(dst, ev.Category)
	dst = appendString(dst, ev.IncidentID)
	if ev.BestRelevance == nil {
		dst = append(dst, 0)
	} else {
		dst = append(dst, 1)
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(*ev.BestRelevance))
	}
	payload := len(dst) - start - headerSize
	binary.LittleEndian.PutUint32(dst[start:], uint32(payload))
	crc := crc32.Update(0, crcTable, dst[start:start+4])
	crc = crc32.Update(crc, crcTable, dst[start+headerSize:])
	binary.LittleEndian.PutUint32(dst[start+4:], crc)
	return dst
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// decodeRecord decodes the record at the start of buf and returns the event
// and the record's length in bytes. It returns errShort when buf ends inside
// the record and errCorrupt when the bytes are not a valid record. It never
// panics, whatever buf holds.
func decodeRecord(buf []byte) (models.Event, int, error) {
	if len(buf) < headerSize {
		return models.Event{}, 0, errShort
	}
	n := binary.LittleEndian.Uint32(buf)
	if n == 0 || n > maxPayload {
		return models.Event{}, 0, errCorrupt
	}
	if uint64(len(buf)-headerSize) < uint64(n) {
		return models.Event{}, 0, errShort
	}
	payload := buf[headerSize : headerSize+int(n)]
	crc := crc32.Update(0, crcTable, buf[:4])
	crc = crc32.Update(crc, crcTable, payload)
	if crc != binary.LittleEndian.Uint32(buf[4:]) {
		return models.Event{}, 0, errCorrupt
	}
	ev, ok := decodePayload(payload)
	if !ok {
		return models.Event{}, 0, errCorrupt
	}
	return ev, headerSize + int(n), nil
}

// decoder reads the payload encoding; the first failure sticks.
type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) uvarint() uint64 {
	if d.bad {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.bad {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) byte() byte {
	if d.bad || len(d.b) == 0 {
		d.bad = true
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.bad || n > uint64(len(d.b)) {
		d.bad = true
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func decodePayload(p []byte) (models.Event, bool) {
	d := decoder{b: p}
	var ev models.Event
	version := d.byte()
	if version != 1 && version != recordVersion {
		return ev, false
	}
	ev.ID = d.string()
	ev.Type = models.EventType(d.string())
	ev.SessionID = d.string()
	ev.Portal = models.Portal(d.string())
	sec := d.varint()
	nsec := d.uvarint()
	if nsec >= 1e9 {
		return ev, false
	}
	ev.Time = time.Unix(sec, int64(nsec)).UTC()
	ev.Query = d.string()
	rc := d.varint()
	ev.ResultCount = int(rc)
	if int64(ev.ResultCount) != rc {
		return ev, false
	}
	ev.ArticleID = d.string()
	// Each id takes at least one byte, so a count beyond the bytes left is
	// corrupt; checking first keeps a bad count from allocating.
	if k := d.uvarint(); k > 0 && !d.bad {
		if k > uint64(len(d.b)) {
			return ev, false
		}
		ev.ArticleIDs = make([]string, k)
		for i := range ev.ArticleIDs {
			ev.ArticleIDs[i] = d.string()
		}
	}
	switch d.byte() {
	case 0:
	case 1:
		ev.Helpful = new(false)
	case 2:
		ev.Helpful = new(true)
	default:
		return ev, false
	}
	ev.TicketID = d.string()
	ev.Category = d.string()
	if version >= 2 {
		ev.IncidentID = d.string()
		switch d.byte() {
		case 0:
		case 1:
			if len(d.b) < 8 {
				return ev, false
			}
			r := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
			d.b = d.b[8:]
			if !(r >= 0 && r <= 1) {
				return ev, false // a relevance is a probability
			}
			ev.BestRelevance = &r
		default:
			return ev, false
		}
	}
	if d.bad || len(d.b) != 0 {
		return ev, false
	}
	return ev, true
}

// decodeKey is decodeRecord for Open: it checks the record the same way but
// decodes only the ID, which is all the dedupe set needs.
func decodeKey(buf []byte) (id string, n int, err error) {
	if len(buf) < headerSize {
		return "", 0, errShort
	}
	size := binary.LittleEndian.Uint32(buf)
	if size == 0 || size > maxPayload {
		return "", 0, errCorrupt
	}
	if uint64(len(buf)-headerSize) < uint64(size) {
		return "", 0, errShort
	}
	payload := buf[headerSize : headerSize+int(size)]
	crc := crc32.Update(0, crcTable, buf[:4])
	crc = crc32.Update(crc, crcTable, payload)
	if crc != binary.LittleEndian.Uint32(buf[4:]) {
		return "", 0, errCorrupt
	}
	// The checksum matched, so the payload is what appendRecord wrote (or a
	// deliberate forgery); still, decode defensively.
	d := decoder{b: payload}
	if v := d.byte(); v != 1 && v != recordVersion {
		return "", 0, errCorrupt
	}
	id = d.string()
	if d.bad {
		return "", 0, errCorrupt
	}
	return id, headerSize + int(size), nil
}
