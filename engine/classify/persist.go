package classify

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"slices"
)

// The model file format, version 2, little-endian throughout:
//
//	magic     8 bytes "SIFTCLS\x00"
//	version   uint32, formatVersion
//	length    uint64, the length of the body
//	body:
//	  manifest  uint32 length, then the Manifest as JSON (labels,
//	            feature settings, temperature, threshold, dense size)
//	  vocab     uint32 n, then n uint32 buckets (ascending), n float32 idf
//	  weights   n*labels float32, one row of labels per bucket
//	  bias      labels float32
//	  dense     dense*labels float32, one row of labels per dimension
//	  centroid  n*labels float32, laid out as the weights (from version 2)
//	checksum  uint32, CRC-32 (Castagnoli) of the body
//
// Load also reads version 1, which has no centroids: such a model counts
// every text as familiar and abstains on confidence alone, as it did, and
// Save writes it as version 1 again.
const (
	magic         = "SIFTCLS\x00"
	formatVersion = 2
)

// ErrCorrupt is wrapped by the error Load returns for input that is not a
// valid model file: wrong magic, unsupported version, truncated, failed
// checksum, or inconsistent contents.
var ErrCorrupt = errors.New("classify: corrupt or unsupported model file")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Save writes the model to w in the versioned binary format Load reads. It
// returns the first write error; w is not closed.
func (m *Model) Save(w io.Writer) error {
	version := uint32(formatVersion)
	if m.centroid == nil {
		version = 1
	}
	mf := m.Manifest()
	mf.FormatVersion = int(version)
	meta, err := json.Marshal(mf)
	if err != nil {
		return fmt.Errorf("classify: save: %w", err)
	}
	k := len(m.labels)
	n := len(m.vocab.buckets)
	bodyLen := 4 + len(meta) + 4 + 8*n + 4*(n*k+k+m.dim*k+len(m.centroid))

	bw := bufio.NewWriterSize(w, 1<<16)
	var head []byte
	head = append(head, magic...)
	head = binary.LittleEndian.AppendUint32(head, version)
	head = binary.LittleEndian.AppendUint64(head, uint64(bodyLen))
	bw.Write(head)

	crc := crc32.New(castagnoli)
	body := io.MultiWriter(bw, crc)
	buf := make([]byte, 0, 1<<16)
	flush := func() {
		body.Write(buf)
		buf = buf[:0]
	}
	u32 := func(v uint32) {
		if len(buf)+4 > cap(buf) {
			flush()
		}
		buf = binary.LittleEndian.AppendUint32(buf, v)
	}
	f32s := func(vs []float32) {
		for _, v := range vs {
			u32(math.Float32bits(v))
		}
	}
	u32(uint32(len(meta)))
	flush()
	body.Write(meta)
	u32(uint32(n))
	for _, b := range m.vocab.buckets {
		u32(b)
	}
	f32s(m.vocab.idf)
	f32s(m.w)
	f32s(m.bias)
	f32s(m.dense)
	f32s(m.centroid)
	flush()
	bw.Write(binary.LittleEndian.AppendUint32(nil, crc.Sum32()))
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("classify: save: %w", err)
	}
	return nil
}

// corrupt returns an error wrapping ErrCorrupt.
func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// Load reads a model written by Save. It reads r to the end of the model
// and returns an error wrapping ErrCorrupt if the input is not a model file
// of a version it reads, is truncated, fails its checksum or is
// inconsistent, and the read error otherwise.
func Load(r io.Reader) (*Model, error) {
	var head [20]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, corrupt("truncated header")
		}
		return nil, fmt.Errorf("classify: load: %w", err)
	}
	if string(head[:8]) != magic {
		return nil, corrupt("not a sift classifier model (bad magic)")
	}
	version := binary.LittleEndian.Uint32(head[8:])
	if version != 1 && version != formatVersion {
		return nil, corrupt("format version %d, this build reads versions 1 and %d", version, formatVersion)
	}
	bodyLen := binary.LittleEndian.Uint64(head[12:])
	const maxBody = 1 << 34
	if bodyLen > maxBody {
		return nil, corrupt("body of %d bytes", bodyLen)
	}
	// Read in chunks so a corrupt length cannot allocate more than the
	// input holds.
	body, err := io.ReadAll(io.LimitReader(r, int64(bodyLen)+4))
	if err != nil {
		return nil, fmt.Errorf("classify: load: %w", err)
	}
	if uint64(len(body)) != bodyLen+4 {
		return nil, corrupt("truncated: %d of %d bytes", len(body), bodyLen+4)
	}
	sum := binary.LittleEndian.Uint32(body[bodyLen:])
	body = body[:bodyLen]
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, corrupt("checksum mismatch")
	}
	return decode(body, version)
}

// reader reads little-endian values from a byte slice, remembering the
// first overrun.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) next(n int) []byte {
	if r.bad || n < 0 || n > len(r.b) {
		r.bad = true
		return nil
	}
	p := r.b[:n]
	r.b = r.b[n:]
	return p
}

func (r *reader) u32() uint32 {
	p := r.next(4)
	if p == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(p)
}

// f32s reads n float32 values, failing on a non-finite one.
func (r *reader) f32s(n int) []float32 {
	p := r.next(4 * n)
	if p == nil {
		return nil
	}
	out := make([]float32, n)
	for i := range out {
		v := math.Float32frombits(binary.LittleEndian.Uint32(p[4*i:]))
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			r.bad = true
			return nil
		}
		out[i] = v
	}
	return out
}

// decode parses and checks a model body of the given format version whose
// checksum has passed.
func decode(body []byte, version uint32) (*Model, error) {
	r := &reader{b: body}
	meta := r.next(int(r.u32()))
	if r.bad {
		return nil, corrupt("truncated manifest")
	}
	var mf Manifest
	if err := json.Unmarshal(meta, &mf); err != nil {
		return nil, corrupt("manifest: %v", err)
	}
	k := len(mf.Labels)
	switch {
	case k < 2:
		return nil, corrupt("%d labels", k)
	case !slices.IsSorted(mf.Labels) || len(slices.Compact(slices.Clone(mf.Labels))) != k:
		return nil, corrupt("labels not sorted and unique")
	case !(mf.Temperature > 0) || math.IsInf(mf.Temperature, 0):
		return nil, corrupt("temperature %g", mf.Temperature)
	case !(mf.AbstainThreshold >= 0 && mf.AbstainThreshold <= 1):
		return nil, corrupt("abstain threshold %g", mf.AbstainThreshold)
	case mf.DenseDim < 0 || mf.DenseDim > 1<<16:
		return nil, corrupt("dense size %d", mf.DenseDim)
	}
	feat, err := mf.Features.withDefaults()
	if err != nil || feat != mf.Features {
		return nil, corrupt("feature settings %+v", mf.Features)
	}
	n := int(r.u32())
	centroids := 0
	if version >= 2 {
		centroids = n * k
	}
	if r.bad || n > 1<<feat.HashBits || n != mf.Vocabulary || 4*(2*n+n*k+k+mf.DenseDim*k+centroids) != len(r.b) {
		return nil, corrupt("vocabulary of %d does not fit the %d bytes left", n, len(r.b))
	}
	v := vocabulary{buckets: make([]uint32, n)}
	for i := range v.buckets {
		v.buckets[i] = r.u32()
		if i > 0 && v.buckets[i] <= v.buckets[i-1] || v.buckets[i] >= 1<<feat.HashBits {
			return nil, corrupt("vocabulary buckets not ascending within the hashed space")
		}
	}
	v.idf = r.f32s(n)
	m := &Model{
		manifest:    mf,
		labels:      mf.Labels,
		feat:        newFeaturizer(feat),
		dim:         mf.DenseDim,
		temperature: mf.Temperature,
		threshold:   mf.AbstainThreshold,
	}
	m.w = r.f32s(n * k)
	m.bias = r.f32s(k)
	m.dense = r.f32s(m.dim * k)
	if centroids > 0 {
		m.centroid = r.f32s(centroids)
	}
	if r.bad {
		return nil, corrupt("truncated or non-finite weights")
	}
	if len(r.b) != 0 {
		return nil, corrupt("%d unexpected bytes after the weights", len(r.b))
	}
	v.index()
	m.vocab = v
	m.manifest.FormatVersion = int(version)
	return m, nil
}
