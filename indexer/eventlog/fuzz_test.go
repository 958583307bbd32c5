package eventlog

import (
	"reflect"
	"testing"

	"github.com/siftdesk/sift/models"
)

// FuzzDecode feeds arbitrary bytes to the record decoders (decodeRecord
// for Replay, decodeKey for Open) and, since random
// bytes rarely pass the checksum, to the payload decoder behind it. Neither
// may panic, and whatever they accept must re-encode to an equal event.
func FuzzDecode(f *testing.F) {
	full := event("seed", 3)
	full.ArticleIDs = []string{"kb-1", "kb-2"}
	full.Helpful = new(true)
	rec := appendRecord(nil, &full)
	f.Add(rec)
	f.Add(rec[headerSize:]) // a bare payload
	f.Add([]byte{})
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		if ev, n, err := decodeRecord(data); err == nil {
			if n < headerSize || n > len(data) {
				t.Fatalf("decoded length %d out of range for %d bytes", n, len(data))
			}
			roundTrip(t, ev)
			id, m, err := decodeKey(data)
			if err != nil || id != ev.ID || m != n {
				t.Fatalf("decodeKey = %q, %d, %v; decodeRecord = %q, %d", id, m, err, ev.ID, n)
			}
		}
		decodeKey(data) // must not panic on anything
		if ev, ok := decodePayload(data); ok {
			roundTrip(t, ev)
		}
	})
}

func roundTrip(t *testing.T, ev models.Event) {
	t.Helper()
	again, _, err := decodeRecord(appendRecord(nil, &ev))
	if err != nil {
		t.Fatalf("re-encoded event does not decode: %v", err)
	}
	if !reflect.DeepEqual(ev, again) {
		t.Fatalf("round trip changed the event:\n%+v\n%+v", ev, again)
	}
}
