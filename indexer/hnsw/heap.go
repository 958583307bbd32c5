package hnsw

// maxHeap is a binary heap of items, most similar on top.
type maxHeap []item

func (h *maxHeap) push(x item) {
	*h = append(*h, x)
	a := *h
	i := len(a) - 1
	for i > 0 {
		p := (i - 1) / 2
		if a[p].sim >= a[i].sim {
			break
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
}

func (h *maxHeap) pop() item {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	a = a[:n]
	*h = a
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		if r := l + 1; r < n && a[r].sim > a[l].sim {
			l = r
		}
		if a[i].sim >= a[l].sim {
			break
		}
		a[i], a[l] = a[l], a[i]
		i = l
	}
	return top
}

// minHeap is a binary heap of items, least similar on top.
type minHeap []item

func (h *minHeap) push(x item) {
	*h = append(*h, x)
	a := *h
	i := len(a) - 1
	for i > 0 {
		p := (i - 1) / 2
		if a[p].sim <= a[i].sim {
			break
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
}

func (h *minHeap) pop() item {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	*h = a[:n]
	h.fix0()
	return top
}

// fix0 restores the heap after a[0] changed.
func (h *minHeap) fix0() {
	a := *h
	n := len(a)
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		if r := l + 1; r < n && a[r].sim < a[l].sim {
			l = r
		}
		if a[i].sim <= a[l].sim {
			break
		}
		a[i], a[l] = a[l], a[i]
		i = l
	}
}
