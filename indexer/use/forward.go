package use

import (
	"context"
	"math"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// The forward pass runs the graph of model.json on a batch of token
// sequences at once. As the graph does with its Gather/Scatter around each
// position-wise operation, the tokens of all sequences are stacked in one
// matrix without padding: every dense layer is one matrix product over the
// whole batch, and only attention and pooling look at sequence bounds.
//
// For a sequence of ids t_0..t_{n-1} (n <= 128):
//
//	x   = E[t] + (E[t] + timing)            // E: 8002×256; timing: sin | cos
//	layer 0 (width 256 -> 512, 4 heads of 64, queries × 1/8):
//	  h = MHA(LN(x)) + (x·Wd + bd)          // residual through a dense 256->512
//	  h = FFN(LN(h)) + h                     // ReLU, 512->1536->512
//	layer 1 (width 512, 4 heads of 128, queries × 1/√128):
//	  h = MHA(LN(h)) + h
//	  h = FFN(LN(h)) + h
//	v = tanh(mean_i h_i · Wt + bt)           // mean over max(n, 1) tokens
//	v = v / sqrt(max(|v|², 1e-12))
//
// LN is LayerNorm with learned scale and bias and epsilon 1e-6 on the
// variance; MHA projects to q, k, v with one [d × 3d] matrix, softmax(q·kᵀ)·v
// per head, and an output projection. Only the mean of layer 1's output is
// used, so its last (linear) projection is applied to a mean once per
// sequence instead of to every token: a sixth of the work, exact up to
// rounding.

// scratch holds the buffers of one forward pass; one per worker, reused.
type scratch struct {
	x       []float32 // tokens × 256: input of layer 0
	norm    []float32 // tokens × 512: LayerNorm output
	qkv     []float32 // tokens × 1536: queries, keys, values
	att     []float32 // tokens × 512: attention output before projection
	h       []float32 // tokens × 512: residual stream
	ffn     []float32 // tokens × 1536: feed-forward inner activations
	scores  []float32 // maxLength × maxLength rounded up to 64: one head's attention weights
	keysT   []float32 // 128 × maxLength rounded up to 64: one head's keys, transposed
	pooled  []float32 // sequences × 512: mean of each sequence's tokens
	poolFFN []float32 // sequences × 1536: mean of the last feed-forward's inner activations
	final   []float32 // sequences × 512: tanh layer input
	// Inputs of an 8-bit product (quantizeRows): tokens × up to 1536
	// integers, and each row's scale and minimum.
	q        []uint8
	rowScale []float32
	rowMin   []float32
	// Without VNNI (productFloat): one group of the quantized inputs as
	// float32, and their product with the group's integer weights.
	qFloat []float32
	qSum   []float32
	// stripes is how many goroutines a matrix product may use: more than
	// one when this pass is the only one running (see matMul).
	stripes int
}

// grow returns buf with length n, reallocating only when it is too small.
func grow[T any](buf []T, n int) []T {
	if cap(buf) < n {
		return make([]T, n)
	}
	return buf[:n]
}

// general wraps a row-major rows×cols matrix with the given row stride.
func general(rows, cols, stride int, data []float32) blas32.General {
	return blas32.General{Rows: rows, Cols: cols, Stride: stride, Data: data}
}

// matMulK is the number of rows of the weight matrix that the row-adding
// path applies to every input row before moving on: a 32×1536 panel
// (192 KB) stays in the core's L2 cache while it is used.
const matMulK = 32

// Blocks of the kernel (kernel4x64, on amd64 with AVX-512): 4 input rows
// by 64 output columns, over kernelK rows of the weights at a time. A
// 256×64 panel of weights (64 KB) then stays in the core's L2 cache while
// every block of input rows uses it; over all 1,536 rows of a matrix, its
// rows (2 to 6 KB apart) compete for the same cache sets and the kernel
// runs at half speed.
const (
	kernelRows = 4
	kernelCols = 64
	kernelK    = 256
)

// matMul adds a·w to c, for a rows×k, w k×n and c rows×n, all row-major
// and contiguous.
//
// On amd64 with AVX-512 it runs a register-blocked matrix product
// (gemmBlocked), which reads each weight once per four input rows and keeps
// a 4×64 block of c in registers: at the core's peak rate of fused
// multiply-adds, about four times the speed of the path below
// (BenchmarkKernel), although that path skips zero inputs (after a ReLU,
// about 90% of them).
//
// Elsewhere it adds each weight row, scaled by the input element, to the
// output row over the full width n, skipping zero inputs. On x86 with AVX2
// and FMA (addRows) it adds four weight rows per pass over the output row,
// about twice the speed of one gonum blas32.Axpy per row.
//
// With stripes > 1 the output columns are split into that many stripes,
// each computed on a goroutine of its own: for a single short text (a
// query), which is one batch on one core otherwise. Each output element
// sums the same terms in the same order either way, so the result is the
// same bit for bit.
func matMul(rows, k, n int, a, w, c []float32, stripes int) {
	striped(rows*k*n, n, stripes, func(c0, c1 int) { matMulColumns(rows, k, n, c0, c1, a, w, c) })
}

// striped calls columns(c0, c1) for stripes of [0, n) on as many
// goroutines, or once for all of it when stripes <= 1 or the product is
// smaller than minStripedWork multiply-adds. Stripes start at multiples of
// 64, so a column falls in the same block of the kernels, or the same part
// of addRows, as unstriped.
func striped(work, n, stripes int, columns func(c0, c1 int)) {
	if stripes <= 1 || work < minStripedWork {
		columns(0, n)
		return
	}
	var wg sync.WaitGroup
	for j := range stripes {
		c0, c1 := n*j/stripes&^(kernelCols-1), n*(j+1)/stripes&^(kernelCols-1)
		if j == stripes-1 {
			c1 = n
		}
		wg.Go(func() { columns(c0, c1) })
	}
	wg.Wait()
}

// minStripedWork is the smallest product (rows × k × n multiply-adds)
// worth splitting over goroutines.
const minStripedWork = 1 << 18

// matMulColumns is matMul for the output columns [c0, c1) only.
func matMulColumns(rows, k, n, c0, c1 int, a, w, c []float32) {
	if gemmBlocked(rows, k, c1-c0, a, k, w[c0:], n, c[c0:], n) {
		return
	}
	var idx [matMulK]int
	var val [matMulK]float32
	for l0 := 0; l0 < k; l0 += matMulK {
		l1 := min(l0+matMulK, k)
		for i := range rows {
			m := 0
			for l, v := range a[i*k+l0 : i*k+l1] {
				if v != 0 {
					idx[m], val[m] = l0+l, v
					m++
				}
			}
			addRows(c[i*n+c0:i*n+c1], w, n, c0, idx[:m], val[:m])
		}
	}
}

// addRowsGeneric is addRows with gonum's blas32.Axpy, one row at a time.
func addRowsGeneric(y, w []float32, stride, c0 int, idx []int, val []float32) {
	yv := blas32.Vector{N: len(y), Inc: 1, Data: y}
	for j, l := range idx {
		blas32.Axpy(val[j], blas32.Vector{N: len(y), Inc: 1, Data: w[l*stride+c0 : l*stride+c0+len(y)]}, yv)
	}
}

// dense computes out = in·w + bias for rows×k in and k×n w; with accumulate
// it adds in·w + bias to out instead. When w8, w quantized, is set, the
// product is matMulInt8's. s.stripes is as for matMul.
func dense(s *scratch, rows, k, n int, in, w []float32, w8 *int8Matrix, bias, out []float32, accumulate bool) {
	out = out[:rows*n]
	for r := range rows {
		row := out[r*n : (r+1)*n]
		if accumulate {
			for j, b := range bias {
				row[j] += b
			}
		} else {
			copy(row, bias)
		}
	}
	if w8 != nil {
		matMulInt8(s, rows, in, w8, out)
		return
	}
	matMul(rows, k, n, in, w, out, s.stripes)
}

// relu replaces the negative entries of x by zeros. It clears them by
// their sign bit, without branches: about nine in ten are negative, in no
// order a branch predictor can follow, and max(v, 0) is slower still (it
// orders -0 and NaN).
func relu(x []float32) {
	for j, v := range x {
		bits := math.Float32bits(v)
		x[j] = math.Float32frombits(bits &^ uint32(int32(bits)>>31))
	}
}

// layerNorm writes LayerNorm(in) with the given scale and bias to out, for
// rows of width d.
func layerNorm(rows, d int, in, scale, bias, out []float32, epsilon float32) {
	for r := range rows {
		x := in[r*d : (r+1)*d]
		y := out[r*d : (r+1)*d]
		var sum float32
		for _, v := range x {
			sum += v
		}
		mean := sum / float32(d)
		var sq float32
		for _, v := range x {
			dv := v - mean
			sq += dv * dv
		}
		rstd := float32(1 / math.Sqrt(float64(sq/float32(d)+epsilon)))
		for j, v := range x {
			y[j] = scale[j]*rstd*(v-mean) + bias[j]
		}
	}
}

// attention runs multi-head self-attention of layer l over each sequence:
// it reads queries, keys and values from s.qkv and writes the heads' outputs
// side by side in s.att (tokens × l.dIn).
//
// For each head, the keys are transposed into s.keysT, with as many columns
// as the sequence has tokens rounded up to 64 (the rest zero), so that both
// products, q·kᵀ and softmax(q·kᵀ)·v, are plain matrix products (product).
func (l *layer) attention(s *scratch, lengths []int) {
	d := l.dIn
	stride := 3 * d
	// Queries are scaled first, as in the graph.
	rows := len(s.qkv) / stride
	for r := range rows {
		q := s.qkv[r*stride : r*stride+d]
		for j := range q {
			q[j] *= l.queryScale
		}
	}
	clear(s.att)
	start := 0
	for _, n := range lengths {
		if n == 0 {
			continue
		}
		width := (n + kernelCols - 1) &^ (kernelCols - 1)
		base := start * stride
		scores := s.scores[:n*width]
		keysT := s.keysT[:l.headDim*width]
		for h := range l.heads {
			col := h * l.headDim
			q := s.qkv[base+col:]
			k := s.qkv[base+d+col:]
			v := s.qkv[base+2*d+col:]
			clear(keysT)
			for t := range n {
				for j, x := range k[t*stride : t*stride+l.headDim] {
					keysT[j*width+t] = x
				}
			}
			clear(scores)
			product(n, l.headDim, width, q, stride, keysT, width, scores, width)
			softmaxRows(n, width, scores)
			product(n, n, l.headDim, scores, width, v, stride, s.att[start*d+col:], d)
		}
		start += n
	}
}

// product adds a·b to c for a rows×k, b k×cols and c rows×cols,
// row-major with row strides lda, ldb and ldc: with the blocked kernel
// where it runs, else with gonum's blas32.Gemm.
func product(rows, k, cols int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if gemmBlocked(rows, k, cols, a, lda, b, ldb, c, ldc) {
		return
	}
	blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, general(rows, k, lda, a), general(k, cols, ldb, b),
		1, general(rows, cols, ldc, c))
}

// softmaxRows replaces the first n entries of each of the n rows of m (row
// stride width) by their softmax (softmaxRow).
func softmaxRows(n, width int, m []float32) {
	for r := range n {
		softmaxRow(m[r*width:(r+1)*width], n)
	}
}

// softmax replaces row by its softmax.
func softmax(row []float32) {
	hi := row[0]
	for _, v := range row[1:] {
		hi = max(hi, v)
	}
	var sum float32
	for j, v := range row {
		e := float32(math.Exp(float64(v - hi)))
		row[j] = e
		sum += e
	}
	inv := 1 / sum
	for j := range row {
		row[j] *= inv
	}
}

// forward embeds each sequence of seqs (each of at most w.maxLength ids, any
// may be empty) and writes its 512-dimensional unit vector to out[i]. It
// returns ctx.Err() if ctx ends between two of its steps.
func (w *weights) forward(ctx context.Context, s *scratch, seqs [][]int32, out [][]float32) error {
	tokens := 0
	lengths := make([]int, len(seqs))
	for i, seq := range seqs {
		lengths[i] = len(seq)
		tokens += len(seq)
	}
	s.x = grow(s.x, tokens*embedDim)
	s.norm = grow(s.norm, tokens*modelDim)
	s.qkv = grow(s.qkv, tokens*3*modelDim)
	s.att = grow(s.att, tokens*modelDim)
	s.h = grow(s.h, tokens*modelDim)
	s.ffn = grow(s.ffn, tokens*ffnDim)
	width := (w.maxLength + kernelCols - 1) &^ (kernelCols - 1)
	s.scores = grow(s.scores, w.maxLength*width)
	s.keysT = grow(s.keysT, modelDim/w.layers[1].heads*width)
	s.pooled = grow(s.pooled, len(seqs)*modelDim)

	// Input: the graph adds the embeddings to (embeddings + timing signal).
	row := 0
	for _, seq := range seqs {
		for p, id := range seq {
			e := w.embeddings[int(id)*embedDim : (int(id)+1)*embedDim]
			t := w.timing[p*embedDim : (p+1)*embedDim]
			x := s.x[row*embedDim : (row+1)*embedDim]
			for j := range x {
				x[j] = e[j] + (e[j] + t[j])
			}
			row++
		}
	}

	if tokens > 0 {
		for i := range w.layers {
			if err := ctx.Err(); err != nil {
				return err
			}
			l := &w.layers[i]
			d := l.dIn
			in := s.h
			if i == 0 {
				in = s.x
			}
			// Attention block.
			layerNorm(tokens, d, in, l.lnAttnScale, l.lnAttnBias, s.norm, w.epsilon)
			s.qkv = s.qkv[:tokens*3*d]
			s.att = s.att[:tokens*d]
			dense(s, tokens, d, 3*d, s.norm, l.qkv, l.qkvInt8, l.qkvBias, s.qkv, false)
			l.attention(s, lengths)
			if l.res != nil {
				// Layer 0 widens: its residual goes through a dense layer.
				dense(s, tokens, d, modelDim, s.x, l.res, nil, l.resBias, s.h, false)
			}
			dense(s, tokens, d, modelDim, s.att, l.out, l.outInt8, l.outBias, s.h, true)
			// Feed-forward block.
			layerNorm(tokens, modelDim, s.h, l.lnFFNScale, l.lnFFNBias, s.norm, w.epsilon)
			dense(s, tokens, modelDim, ffnDim, s.norm, l.ffn1, l.ffn1Int8, l.ffn1Bias, s.ffn, false)
			relu(s.ffn)
			if i < len(w.layers)-1 {
				dense(s, tokens, ffnDim, modelDim, s.ffn, l.ffn2, l.ffn2Int8, l.ffn2Bias, s.h, true)
			}
		}
	}

	// Mean-pool each sequence. The last feed-forward projection is linear
	// and only its mean is needed, so it is applied once per sequence, to
	// the mean of its inner activations: mean(h + f·W2 + b2) = mean(h) +
	// mean(f)·W2 + b2. An empty sequence pools to zeros.
	last := &w.layers[len(w.layers)-1]
	s.poolFFN = grow(s.poolFFN, len(seqs)*ffnDim)
	clear(s.poolFFN)
	row = 0
	for i, n := range lengths {
		p := s.pooled[i*modelDim : (i+1)*modelDim]
		f := s.poolFFN[i*ffnDim : (i+1)*ffnDim]
		clear(p)
		if n == 0 {
			continue
		}
		for range n {
			for j, v := range s.h[row*modelDim : (row+1)*modelDim] {
				p[j] += v
			}
			for j, v := range s.ffn[row*ffnDim : (row+1)*ffnDim] {
				f[j] += v
			}
			row++
		}
		inv := 1 / float32(n)
		for j := range p {
			p[j] = p[j]*inv + last.ffn2Bias[j]
		}
		for j := range f {
			f[j] *= inv
		}
	}
	matMul(len(seqs), ffnDim, modelDim, s.poolFFN, last.ffn2, s.pooled, s.stripes)

	// tanh(dense) over all sequences at once, then L2 normalisation.
	s.final = grow(s.final, len(seqs)*modelDim)
	dense(s, len(seqs), modelDim, modelDim, s.pooled, w.tanh, nil, w.tanhBias, s.final, false)
	for i, v := range out {
		var sq float32
		for j, x := range s.final[i*modelDim : (i+1)*modelDim] {
			x = float32(math.Tanh(float64(x)))
			v[j] = x
			sq += x * x
		}
		inv := float32(1 / math.Sqrt(float64(max(sq, w.l2Epsilon))))
		for j := range v {
			v[j] *= inv
		}
	}
	return nil
}
