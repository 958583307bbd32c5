package hnsw

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/siftdesk/sift/models"
)

// The file format, version 1. All integers are little-endian.
//
//	offset  size  field
//	0       8     magic "SIFTHNSW"
//	8       4     format version (1)
//	12      4     dimensions
//	16      4     M
//	20      4     EfConstruction
//	24      4     node slots
//	28      4     live nodes
//	32      4     entry node (0xFFFFFFFF when empty)
//	36      4     top layer
//	40      2     length of the model name, L
//	42      L     model name
//	42+L    4     CRC-32C of the header so far
//	then one record per node slot:
//	        1     state: 0 live, 1 deleted, 2 free
//	  unless free:
//	        1     top layer of the node
//	        4*d   vector, float32
//	    if live:
//	        2+n   id, length-prefixed
//	        8     attribute classes
//	        2+n   attribute group, length-prefixed
//	    for each layer from 0 to the node's top:
//	        2     number of links, n
//	        4*n   links
//	and last:
//	        4     CRC-32C of everything before it
//
// The header has its own checksum so that a damaged header is reported as
// corrupt rather than as a model or dimension mismatch. Reading drops free
// slots and renumbers the nodes.
const (
	magic         = "SIFTHNSW"
	formatVersion = 1
	headerFixed   = 42 // bytes before the model name
)

// Errors of ReadFrom and Load. Test for them with errors.Is.
var (
	// ErrCorrupt means the data is not a whole, intact index file:
	// truncated, damaged, or not an index file at all.
	ErrCorrupt = errors.New("hnsw: corrupt index file")
	// ErrVersion means the file was written in a format version this
	// code does not read.
	ErrVersion = errors.New("hnsw: unsupported index file version")
	// ErrModelMismatch means the file holds vectors of another embedding
	// model than the index is configured for. Its vectors must not be
	// compared with the model's: re-embed and rebuild.
	ErrModelMismatch = errors.New("hnsw: index file is for another embedding model")
	// ErrDimensionMismatch means the file's vectors have another length
	// than the index is configured for.
	ErrDimensionMismatch = errors.New("hnsw: index file has other dimensions")
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// WriteTo writes the index to w in the format ReadFrom reads, and returns
// the number of bytes written. It blocks writes to the index, not
// searches. It implements io.WriterTo.
func (x *Index) WriteTo(w io.Writer) (int64, error) {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	if len(x.g.model) > MaxModelName {
		return 0, models.Invalid("model", "name is %d bytes, more than %d", len(x.g.model), MaxModelName)
	}
	e := &encoder{w: w}
	e.bw = bufio.NewWriterSize(e, 1<<16)
	e.encode(x.g)
	if e.err == nil {
		e.err = e.bw.Flush()
	}
	if e.err == nil {
		var b [4]byte
		binary.LittleEndian.PutUint32(b[:], e.crc)
		_, e.err = e.w.Write(b[:])
		e.n += 4
	}
	return e.n, e.err
}

// encoder checksums and counts what bufio flushes to it.
type encoder struct {
	w   io.Writer
	bw  *bufio.Writer
	crc uint32
	n   int64
	err error
	b   []byte
}

func (e *encoder) Write(p []byte) (int, error) {
	n, err := e.w.Write(p)
	e.crc = crc32.Update(e.crc, castagnoli, p[:n])
	e.n += int64(n)
	return n, err
}

func (e *encoder) encode(g *graph) {
	var h bytes.Buffer
	h.WriteString(magic)
	for _, v := range []uint32{formatVersion, uint32(g.dim), uint32(g.m), uint32(g.efc), uint32(len(g.state)), uint32(g.live), g.entry, uint32(max(g.maxLevel, 0))} {
		h.Write(binary.LittleEndian.AppendUint32(nil, v))
	}
	h.Write(binary.LittleEndian.AppendUint16(nil, uint16(len(g.model))))
	h.WriteString(g.model)
	h.Write(binary.LittleEndian.AppendUint32(nil, crc32.Checksum(h.Bytes(), castagnoli)))
	e.write(h.Bytes())

	e.b = make([]byte, 0, 4*max(g.dim, g.m0+1))
	for i, st := range g.state {
		if e.err != nil {
			return
		}
		node := uint32(i)
		e.write([]byte{st})
		if st == stateFree {
			continue
		}
		e.write([]byte{g.level[i]})
		b := e.b[:0]
		for _, f := range g.vec(node) {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
		}
		e.write(b)
		if st == stateLive {
			b = e.b[:0]
			b = appendString(b, g.ids[i])
			b = binary.LittleEndian.AppendUint64(b, g.attrs[i].Classes)
			b = appendString(b, g.attrs[i].Group)
			e.write(b)
		}
		for l := range int(g.level[i]) + 1 {
			links := g.links(node, l)
			b = binary.LittleEndian.AppendUint16(e.b[:0], uint16(len(links)))
			for _, nb := range links {
				b = binary.LittleEndian.AppendUint32(b, nb)
			}
			e.write(b)
		}
	}
}

func appendString(b []byte, s string) []byte {
	b = binary.LittleEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

func (e *encoder) write(p []byte) {
	if e.err == nil {
		_, e.err = e.bw.Write(p)
	}
}

// ReadFrom replaces the index's contents with an index read from r, which
// must hold exactly what WriteTo wrote, and returns the number of bytes
// read. It implements io.ReaderFrom.
//
// It fails, leaving the index as it was, with an error that errors.Is
// matches to ErrModelMismatch when the file's model is not Config.Model, to
// ErrDimensionMismatch when its dimensions are not Config.Dimensions, to
// ErrVersion for a format version it does not read, and to ErrCorrupt for
// anything truncated, damaged or malformed. It never panics on bad input,
// and allocates memory in proportion to the data it actually reads.
//
// The loaded graph keeps the M and EfConstruction it was built with;
// EfSearch, MaxDeleted and ScanBelow stay as configured.
func (x *Index) ReadFrom(r io.Reader) (int64, error) {
	d := &decoder{r: bufio.NewReaderSize(r, 1<<16)}
	g, err := d.decode(x.cfg)
	if err != nil {
		return d.n, err
	}
	x.wmu.Lock()
	x.mu.Lock()
	x.g = g
	x.mu.Unlock()
	x.wmu.Unlock()
	return d.n, nil
}

// decoder reads, checksums and counts.
type decoder struct {
	r   *bufio.Reader
	crc uint32
	n   int64
	err error
	b   []byte
}

func (d *decoder) corrupt(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s (at byte %d)", ErrCorrupt, fmt.Sprintf(format, args...), d.n)
	}
}

// read returns the next n bytes, valid until the next call, or nil after
// an error.
func (d *decoder) read(n int) []byte {
	if d.err != nil {
		return nil
	}
	if cap(d.b) < n {
		d.b = make([]byte, n)
	}
	b := d.b[:n]
	m, err := io.ReadFull(d.r, b)
	d.n += int64(m)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			d.corrupt("truncated")
		} else {
			d.err = fmt.Errorf("read index: %w", err)
		}
		return nil
	}
	d.crc = crc32.Update(d.crc, castagnoli, b)
	return b
}

func (d *decoder) u8() uint8 {
	if b := d.read(1); b != nil {
		return b[0]
	}
	return 0
}

func (d *decoder) u16() uint16 {
	if b := d.read(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if b := d.read(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if b := d.read(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (d *decoder) str() string {
	n := int(d.u16())
	return string(d.read(n))
}

// decode reads a whole file and checks it against cfg.
func (d *decoder) decode(cfg Config) (*graph, error) {
	if string(d.read(len(magic))) != magic {
		if d.err != nil {
			return nil, d.err
		}
		return nil, fmt.Errorf("%w: not an index file", ErrCorrupt)
	}
	if v := d.u32(); d.err == nil && v != formatVersion {
		return nil, fmt.Errorf("%w: %d (this build reads %d)", ErrVersion, v, formatVersion)
	}
	dim, m, efc, slots, live, entry, top := d.u32(), d.u32(), d.u32(), d.u32(), d.u32(), d.u32(), d.u32()
	model := d.str()
	sum := d.crc
	if stored := d.u32(); d.err == nil && stored != sum {
		d.corrupt("header checksum mismatch")
	}
	if d.err != nil {
		return nil, d.err
	}
	switch {
	case dim == 0 || dim > MaxDimensions:
		d.corrupt("dimensions %d out of range", dim)
	case m < 2 || m > MaxM:
		d.corrupt("M %d out of range", m)
	case efc < 1 || efc > math.MaxInt32:
		d.corrupt("EfConstruction %d out of range", efc)
	case slots >= noNode:
		d.corrupt("%d node slots", slots)
	case live > slots:
		d.corrupt("%d live nodes in %d slots", live, slots)
	case top > maxLevels:
		d.corrupt("top layer %d out of range", top)
	case len(model) > MaxModelName:
		d.corrupt("model name of %d bytes", len(model))
	}
	if d.err != nil {
		return nil, d.err
	}
	if model != cfg.Model {
		return nil, fmt.Errorf("%w: file has %q, index wants %q", ErrModelMismatch, model, cfg.Model)
	}
	if int(dim) != cfg.Dimensions {
		return nil, fmt.Errorf("%w: file has %d, index wants %d", ErrDimensionMismatch, dim, cfg.Dimensions)
	}

	g := newGraphDims(int(dim), int(m), int(efc), model, cfg.Seed^uint64(slots))
	// Free slots are dropped and the nodes renumbered, so that memory
	// follows the records read: a free slot is one byte in the file but
	// a vector's worth of memory.
	var renumber []uint32 // by slot: node number, or noNode when free
	for slot := range slots {
		renumber = append(renumber, d.node(g, slot))
		if d.err != nil {
			return nil, d.err
		}
	}
	sum = d.crc
	if stored := d.u32(); d.err == nil && stored != sum {
		d.corrupt("checksum mismatch")
	}
	if d.err != nil {
		return nil, d.err
	}
	if _, err := d.r.ReadByte(); err == nil {
		d.corrupt("data after the end")
	} else if !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read index: %w", err)
	}
	if d.err != nil {
		return nil, d.err
	}
	g.entry, g.maxLevel = noNode, int(top)
	if entry != noNode {
		if entry >= slots || renumber[entry] == noNode {
			return nil, fmt.Errorf("%w: bad entry node %d", ErrCorrupt, entry)
		}
		g.entry = renumber[entry]
	}
	for i := range g.state {
		for l := range int(g.level[i]) + 1 {
			links := g.links(uint32(i), l)
			for j, nb := range links {
				if nb >= slots || renumber[nb] == noNode {
					return nil, fmt.Errorf("%w: a node links to bad slot %d on layer %d", ErrCorrupt, nb, l)
				}
				links[j] = renumber[nb]
			}
		}
	}
	if err := g.check(int(live)); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return g, nil
}

// node reads the record of a slot and appends its node to g, returning
// the node's number, or noNode for a free slot. Links keep the slot
// numbers of the file.
func (d *decoder) node(g *graph, slot uint32) uint32 {
	st := d.u8()
	if d.err != nil {
		return noNode
	}
	switch st {
	case stateFree:
		return noNode
	case stateLive, stateDeleted:
	default:
		d.corrupt("slot %d has state %d", slot, st)
		return noNode
	}
	i := g.grow()
	g.state[i] = st
	lvl := d.u8()
	if d.err == nil && lvl > maxLevels {
		d.corrupt("slot %d has level %d", slot, lvl)
	}
	g.level[i] = lvl
	b := d.read(4 * g.dim)
	if b == nil {
		return i
	}
	v := g.vec(i)
	var norm float64
	for j := range v {
		f := math.Float32frombits(binary.LittleEndian.Uint32(b[4*j:]))
		v[j] = f
		norm += float64(f) * float64(f)
	}
	if !(math.Abs(norm-1) < 1e-3) { // also false for NaN
		d.corrupt("slot %d has a vector of squared norm %g, not 1", slot, norm)
		return i
	}
	if st == stateLive {
		id := d.str()
		classes := d.u64()
		group := d.str()
		if d.err != nil {
			return i
		}
		if id == "" {
			d.corrupt("slot %d has no id", slot)
			return i
		}
		if _, dup := g.byID[id]; dup {
			d.corrupt("id %q appears twice", id)
			return i
		}
		g.byID[id] = i
		g.ids[i] = id
		g.attrs[i] = Attrs{Classes: classes, Group: group}
		g.live++
	} else {
		g.tomb++
	}
	if lvl > 0 {
		g.upper[i] = make([]uint32, int(lvl)*(g.m+1))
	}
	for l := range int(lvl) + 1 {
		n := int(d.u16())
		if d.err == nil && n > g.maxLinks(l) {
			d.corrupt("slot %d has %d links on layer %d", slot, n, l)
		}
		b := d.read(4 * n)
		if b == nil {
			return i
		}
		s := g.slot(i, l)
		s[0] = uint32(n)
		for j := range n {
			s[1+j] = binary.LittleEndian.Uint32(b[4*j:])
		}
	}
	return i
}

// check verifies what the records cannot verify one by one: that links
// point at linked nodes high enough, and that the counts and the entry
// point agree. A graph that passes can be searched without a panic.
func (g *graph) check(live int) error {
	n := uint32(len(g.state))
	if g.live != live {
		return fmt.Errorf("header says %d live nodes, records hold %d", live, g.live)
	}
	if g.live+g.tomb == 0 {
		if g.entry != noNode {
			return fmt.Errorf("entry node %d in an empty graph", g.entry)
		}
		g.maxLevel = 0
		return nil
	}
	if g.entry >= n || g.state[g.entry] == stateFree || int(g.level[g.entry]) != g.maxLevel {
		return fmt.Errorf("bad entry node %d", g.entry)
	}
	for i, st := range g.state {
		if st == stateFree {
			continue
		}
		if int(g.level[i]) > g.maxLevel {
			return fmt.Errorf("node %d is above the top layer", i)
		}
		for l := range int(g.level[i]) + 1 {
			for _, nb := range g.links(uint32(i), l) {
				if nb >= n || nb == uint32(i) || g.state[nb] == stateFree || int(g.level[nb]) < l {
					return fmt.Errorf("node %d links to bad node %d on layer %d", i, nb, l)
				}
			}
		}
	}
	return nil
}

// Save writes the index to path atomically: to a temporary file in the same
// directory, synced, then renamed over path. A crash leaves either the old
// file or the new one, never a mix. It stops with ctx's error when ctx is
// cancelled.
func (x *Index) Save(ctx context.Context, path string) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, base+".tmp-*")
	if err != nil {
		return fmt.Errorf("save vector index: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			err = fmt.Errorf("save vector index %s: %w", path, err)
		}
	}()
	if _, err := x.WriteTo(ctxWriter{ctx, f}); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	// Make the rename itself durable. Not every system can sync a
	// directory; the data is safe either way.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Load reads the index that Save wrote to path into a new index configured
// by cfg. Its errors wrap those of ReadFrom, and fs.ErrNotExist when there
// is no file. It stops with ctx's error when ctx is cancelled.
func Load(ctx context.Context, path string, cfg Config) (*Index, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load vector index: %w", err)
	}
	defer f.Close()
	x := New(cfg)
	if _, err := x.ReadFrom(ctxReader{ctx, f}); err != nil {
		return nil, fmt.Errorf("load vector index %s: %w", path, err)
	}
	return x, nil
}

type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
