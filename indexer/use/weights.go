package use

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math"
	"path"
	"strings"
)

// Names of the tensors the forward pass reads, as model.json's weight
// manifest spells them. %d is the transformer layer (0 or 1).
const (
	stack  = "module_apply_default/Encoder_en/KonaTransformer/Encode/TransformerStack/"
	encode = "module_apply_default/Encoder_en/KonaTransformer/Encode/"
	module = "module/Encoder_en/KonaTransformer/Encode/"

	nameEmbeddings  = "module/Embeddings_en"
	nameTiming      = stack + "Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1"
	nameMaxLength   = "module_apply_default/Encoder_en/KonaTransformer/ClipToMaxLength/Less/y"
	nameEpsilon     = stack + "Layer_1/TransformerLayer/FFN/layer_prepostprocess/layer_norm/Cast/x"
	nameHeads       = stack + "Layer_1/TransformerLayer/MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/2"
	nameHeadDim     = stack + "Layer_%d/TransformerLayer/MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/3"
	nameQueryScale  = stack + "Layer_%d/TransformerLayer/MultiheadAttention/mul/y"
	nameLNAttnScale = encode + "Layer_%d/TransformerLayer/layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat"
	nameLNAttnBias  = encode + "Layer_%d/TransformerLayer/layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat"
	nameQKVKernel   = module + "Layer_%d/TransformerLayer/MultiheadAttention/qkv_transform_single/kernel/part_0"
	nameQKVBias     = encode + "Layer_%d/TransformerLayer/MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat"
	nameOutKernel   = module + "Layer_%d/TransformerLayer/MultiheadAttention/output_transform_single/kernel/part_0"
	nameOutBias     = encode + "Layer_%d/TransformerLayer/MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat"
	nameResKernel   = encode + "Layer_0/TransformerLayer/dense/kernel/ConcatPartitions/concat"
	nameResBias     = encode + "Layer_0/TransformerLayer/dense/bias/ConcatPartitions/concat"
	nameLNFFNScale  = encode + "Layer_%d/TransformerLayer/FFN/layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat"
	nameLNFFNBias   = encode + "Layer_%d/TransformerLayer/FFN/layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat"
	nameFFN1Kernel  = stack + "Layer_%d/TransformerLayer/FFN/conv1/Tensordot/Reshape_1"
	nameFFN1Bias    = encode + "Layer_%d/TransformerLayer/FFN/conv1/bias/ConcatPartitions/concat"
	nameFFN2Kernel  = stack + "Layer_%d/TransformerLayer/FFN/conv2/Tensordot/Reshape_1"
	nameFFN2Bias    = encode + "Layer_%d/TransformerLayer/FFN/conv2/bias/ConcatPartitions/concat"
	nameTanhKernel  = "module/Encoder_en/hidden_layers/tanh_layer_0/weights"
	nameTanhBias    = "module/Encoder_en/hidden_layers/tanh_layer_0/bias"
	nameL2Epsilon   = "module_apply_default/Encoder_en/hidden_layers/l2_normalize/Maximum/y"
)

// Shapes of the model, checked against the manifest when loading.
const (
	embedDim  = 256  // token embedding width, input of layer 0
	modelDim  = 512  // hidden width after layer 0, and output width
	ffnDim    = 1536 // feed-forward inner width
	vocabSize = 8002 // rows of the embedding table
)

// layer holds the weights of one pre-LayerNorm transformer layer. Matrices
// are row-major [in × out], as in the manifest.
type layer struct {
	dIn        int     // input width: 256 for layer 0, 512 for layer 1
	heads      int     // attention heads
	headDim    int     // dIn / heads
	queryScale float32 // multiplies queries before the dot products

	lnAttnScale, lnAttnBias []float32 // dIn
	qkv, qkvBias            []float32 // dIn × 3·dIn, 3·dIn
	out, outBias            []float32 // dIn × 512, 512
	res, resBias            []float32 // layer 0 only: dense on the residual, dIn × 512
	lnFFNScale, lnFFNBias   []float32 // 512
	ffn1, ffn1Bias          []float32 // 512 × 1536, 1536
	ffn2, ffn2Bias          []float32 // 1536 × 512, 512

	// The same matrices quantized to 8 bits (quantize), or nil: those
	// the forward pass multiplies in 8 bits (matMulInt8).
	qkvInt8, outInt8, ffn1Int8, ffn2Int8 *int8Matrix
}

// weights is the parsed model: everything the forward pass needs.
type weights struct {
	embeddings []float32 // vocabSize × embedDim
	timing     []float32 // maxLength × embedDim: sin half then cos half
	maxLength  int       // tokens the graph keeps (128)
	epsilon    float32   // LayerNorm variance epsilon
	layers     [2]layer
	tanh       []float32 // 512 × 512
	tanhBias   []float32 // 512
	l2Epsilon  float32   // floor of the squared norm before normalising
}

// manifest is the part of model.json that locates the weights.
type manifest struct {
	ModelTopology struct {
		Node []struct {
			Name string `json:"name"`
			Op   string `json:"op"`
		} `json:"node"`
	} `json:"modelTopology"`
	WeightsManifest []struct {
		Paths   []string `json:"paths"`
		Weights []struct {
			Name         string          `json:"name"`
			Shape        []int           `json:"shape"`
			Dtype        string          `json:"dtype"`
			Quantization json.RawMessage `json:"quantization"`
		} `json:"weights"`
	} `json:"weightsManifest"`
}

// tensor is one decoded entry of the weight manifest.
type tensor struct {
	shape []int
	f32   []float32 // dtype float32
	i32   []int32   // dtype int32
}

// readTensors reads model.json in dir of fsys and decodes every tensor of
// its weight manifest from the shard files it names, little-endian, in
// manifest order.
func readTensors(fsys fs.FS, dir string) (map[string]tensor, error) {
	raw, err := fs.ReadFile(fsys, path.Join(dir, "model.json"))
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("model.json: %w", err)
	}
	if len(m.ModelTopology.Node) == 0 || len(m.WeightsManifest) == 0 {
		return nil, fmt.Errorf("model.json: no graph or no weights manifest")
	}
	tensors := make(map[string]tensor)
	for _, group := range m.WeightsManifest {
		// The shards are read as one stream, a bounded piece at a time, so
		// that loading holds no copy of them.
		var shards []io.Reader
		for _, p := range group.Paths {
			if strings.Contains(p, "/") || strings.Contains(p, "..") {
				return nil, fmt.Errorf("model.json: shard path %q outside the model folder", p)
			}
			f, err := fsys.Open(path.Join(dir, p))
			if err != nil {
				return nil, err
			}
			defer f.Close()
			shards = append(shards, f)
		}
		stream := io.MultiReader(shards...)
		buf := make([]byte, 64<<10)
		for _, w := range group.Weights {
			if len(w.Quantization) > 0 && string(w.Quantization) != "null" {
				return nil, fmt.Errorf("model.json: %s: quantized weights are not supported", w.Name)
			}
			n := 1
			for _, d := range w.Shape {
				n *= d
			}
			t := tensor{shape: w.Shape}
			switch w.Dtype {
			case "float32":
				t.f32 = make([]float32, n)
			case "int32":
				t.i32 = make([]int32, n)
			default:
				return nil, fmt.Errorf("model.json: %s: dtype %s not supported", w.Name, w.Dtype)
			}
			for done := 0; done < n; {
				b := buf[:4*min(n-done, len(buf)/4)]
				if _, err := io.ReadFull(stream, b); err != nil {
					return nil, fmt.Errorf("model.json: %s: shards too short: %w", w.Name, err)
				}
				for i := 0; i < len(b); i, done = i+4, done+1 {
					v := binary.LittleEndian.Uint32(b[i:])
					if t.f32 != nil {
						t.f32[done] = math.Float32frombits(v)
					} else {
						t.i32[done] = int32(v)
					}
				}
			}
			tensors[w.Name] = t
		}
		if n, _ := io.ReadFull(stream, buf[:1]); n != 0 {
			return nil, fmt.Errorf("model.json: shards hold more bytes than the manifest")
		}
	}
	return tensors, nil
}

// weightReader takes tensors by name and shape, remembering the first error.
type weightReader struct {
	tensors map[string]tensor
	err     error
}

// floats returns the float32 tensor name, checking that its shape, with
// dimensions of size 1 left out, is want.
func (r *weightReader) floats(name string, want ...int) []float32 {
	t, ok := r.tensors[name]
	switch {
	case r.err != nil:
		return nil
	case !ok:
		r.err = fmt.Errorf("weight %s missing", name)
		return nil
	case t.f32 == nil:
		r.err = fmt.Errorf("weight %s: not float32", name)
		return nil
	}
	var got []int
	for _, d := range t.shape {
		if d != 1 {
			got = append(got, d)
		}
	}
	var wantSqueezed []int
	for _, d := range want {
		if d != 1 {
			wantSqueezed = append(wantSqueezed, d)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(wantSqueezed) {
		r.err = fmt.Errorf("weight %s: shape %v, want %v", name, t.shape, want)
		return nil
	}
	return t.f32
}

// scalar returns the float32 scalar name.
func (r *weightReader) scalar(name string) float32 {
	v := r.floats(name)
	if len(v) != 1 {
		if r.err == nil {
			r.err = fmt.Errorf("weight %s: not a scalar", name)
		}
		return 0
	}
	return v[0]
}

// integer returns the int32 scalar name.
func (r *weightReader) integer(name string) int {
	t, ok := r.tensors[name]
	if r.err != nil {
		return 0
	}
	if !ok || len(t.i32) != 1 {
		r.err = fmt.Errorf("weight %s: missing or not an int32 scalar", name)
		return 0
	}
	return int(t.i32[0])
}

// parseWeights reads the model in dir of fsys and checks every shape the
// forward pass relies on.
func parseWeights(fsys fs.FS, dir string) (*weights, error) {
	tensors, err := readTensors(fsys, dir)
	if err != nil {
		return nil, err
	}
	r := &weightReader{tensors: tensors}
	w := &weights{
		embeddings: r.floats(nameEmbeddings, vocabSize, embedDim),
		maxLength:  r.integer(nameMaxLength),
		epsilon:    r.scalar(nameEpsilon),
		tanh:       r.floats(nameTanhKernel, modelDim, modelDim),
		tanhBias:   r.floats(nameTanhBias, modelDim),
		l2Epsilon:  r.scalar(nameL2Epsilon),
	}
	invTimescales := r.floats(nameTiming, embedDim/2)
	heads := r.integer(nameHeads)
	for i := range w.layers {
		dIn := embedDim
		if i > 0 {
			dIn = modelDim
		}
		l := layer{
			dIn:         dIn,
			heads:       heads,
			headDim:     r.integer(fmt.Sprintf(nameHeadDim, i)),
			queryScale:  r.scalar(fmt.Sprintf(nameQueryScale, i)),
			lnAttnScale: r.floats(fmt.Sprintf(nameLNAttnScale, i), dIn),
			lnAttnBias:  r.floats(fmt.Sprintf(nameLNAttnBias, i), dIn),
			qkv:         r.floats(fmt.Sprintf(nameQKVKernel, i), dIn, 3*dIn),
			qkvBias:     r.floats(fmt.Sprintf(nameQKVBias, i), 3*dIn),
			out:         r.floats(fmt.Sprintf(nameOutKernel, i), dIn, modelDim),
			outBias:     r.floats(fmt.Sprintf(nameOutBias, i), modelDim),
			lnFFNScale:  r.floats(fmt.Sprintf(nameLNFFNScale, i), modelDim),
			lnFFNBias:   r.floats(fmt.Sprintf(nameLNFFNBias, i), modelDim),
			ffn1:        r.floats(fmt.Sprintf(nameFFN1Kernel, i), modelDim, ffnDim),
			ffn1Bias:    r.floats(fmt.Sprintf(nameFFN1Bias, i), ffnDim),
			ffn2:        r.floats(fmt.Sprintf(nameFFN2Kernel, i), ffnDim, modelDim),
			ffn2Bias:    r.floats(fmt.Sprintf(nameFFN2Bias, i), modelDim),
		}
		if i == 0 {
			l.res = r.floats(nameResKernel, dIn, modelDim)
			l.resBias = r.floats(nameResBias, modelDim)
		}
		if r.err == nil && (l.heads <= 0 || l.heads*l.headDim != dIn) {
			r.err = fmt.Errorf("layer %d: %d heads of %d do not make %d", i, l.heads, l.headDim, dIn)
		}
		w.layers[i] = l
	}
	if r.err != nil {
		return nil, fmt.Errorf("model.json: %w", r.err)
	}
	if w.maxLength <= 0 || w.maxLength > 4096 {
		return nil, fmt.Errorf("model.json: maximum length %d out of range", w.maxLength)
	}
	// The graph adds sin(p·τ) then cos(p·τ) for position p and the stored
	// inverse timescales τ, computed in float32 as TensorFlow does.
	half := embedDim / 2
	w.timing = make([]float32, w.maxLength*embedDim)
	for p := range w.maxLength {
		row := w.timing[p*embedDim : (p+1)*embedDim]
		for j, tau := range invTimescales {
			arg := float64(float32(p) * tau)
			row[j] = float32(math.Sin(arg))
			row[half+j] = float32(math.Cos(arg))
		}
	}
	w.quantize()
	return w, nil
}

// quantize sets the 8-bit copies of the matrices the forward pass
// multiplies in 8 bits: both feed-forward blocks, and layer 1's attention
// projections. Layer 0's attention projections stay in float32: quantizing
// its queries, keys and values too takes the least cosine similarity to the
// reference vectors from 0.9998 to 0.9992 (its output and residual
// projections stay with them; they are a tenth of the work). The float32
// matrices an 8-bit copy replaces are dropped: dense reads the copy only,
// and the two would keep about 13 MB twice.
func (w *weights) quantize() {
	for i := range w.layers {
		l := &w.layers[i]
		l.ffn1Int8, l.ffn1 = quantizeColumns(l.ffn1, modelDim, ffnDim), nil
		if i == 0 {
			// Layer 1's feed-forward output is applied to a mean per
			// sequence (see forward), in float32.
			l.ffn2Int8, l.ffn2 = quantizeColumns(l.ffn2, ffnDim, modelDim), nil
			continue
		}
		l.qkvInt8, l.qkv = quantizeColumns(l.qkv, l.dIn, 3*l.dIn), nil
		l.outInt8, l.out = quantizeColumns(l.out, l.dIn, modelDim), nil
	}
}
