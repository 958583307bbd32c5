#!/usr/bin/env bash
# Measures Sift beside the peer libraries of ../shared/peers on the demo
# corpus, in one run: type-ahead hit@8 and answered share on the judged
# prefixes of testdata/eval/prefixes.jsonl, and search recall@5 / nDCG@10
# on testdata/eval/search.jsonl, each engine in process on the same
# articles. Needs Go, Node.js with npm (the peer libraries are installed
# from the npm registry into a temporary copy of the harness) and python3.
#
#   .ci/peers.sh [PEERS_DIR]     (default: ../shared/peers beside the project)
set -euo pipefail
cd "$(dirname "$0")/.."
peers=${1:-../shared/peers}
[ -f "$peers/bench.mjs" ] || { echo "peers.sh: no harness at $peers/bench.mjs" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/data"
cp "$peers/bench.mjs" "$peers/package.json" "$peers/score.py" "$work/"
echo "== npm install (the peer libraries, into $work)"
(cd "$work" && npm install --silent --no-audit --no-fund >/dev/null)

echo "== sift: index the demo articles (full text only, as the peers)"
go build -o "$work/sift" ./cmd/sift
"$work/sift" index --data "$work/sift-data" --embedder none testdata/demo/articles.jsonl testdata/demo/kb >/dev/null 2>&1
"$work/sift" export --data "$work/sift-data" --kind article >"$work/data/demo-articles.jsonl" 2>/dev/null
cp testdata/eval/prefixes.jsonl "$work/data/prefixes-demo.jsonl"
cp testdata/eval/search.jsonl "$work/data/search.jsonl"

row() { printf '%-12s %8s %9s %9s %8s %12s\n' "$@"; }
echo
row engine hit@8 answered recall@5 nDCG@10 "suggest p50"
"$work/sift" eval suggest --data "$work/sift-data" --out "$work/sift-suggest.json" "$work/data/prefixes-demo.jsonl" >/dev/null 2>&1
search=$("$work/sift" eval search --data "$work/sift-data" --embedder none "$work/data/search.jsonl" 2>/dev/null | awk '$1 == "all" && $3 == "text" {print $6, $4}')
PEERS_ROOT="$work" python3 - "$work/sift-suggest.json" "$work/data/prefixes-demo.jsonl" "$search" <<'PY'
import json, subprocess, sys
import os
out = json.loads(subprocess.check_output(['python3', 'score.py', 'sift', sys.argv[1], sys.argv[2]], cwd=os.environ['PEERS_ROOT']))
q = out['quality']
recall, ndcg = sys.argv[3].split()
print('%-12s %8.3f %9.3f %9s %8s %10.0fus' % ('sift', q['all'], q['answered'], recall, ndcg, out['latency']['p50_us']))
PY
for engine in minisearch flexsearch orama; do
  (cd "$work" && node --expose-gc bench.mjs "$engine" data/demo-articles.jsonl "$engine.json" \
    --suggest data/prefixes-demo.jsonl --search data/search.jsonl >/dev/null 2>&1)
  PEERS_ROOT="$work" python3 - "$work/$engine.json" "$engine" <<'PY'
import json, os, subprocess, sys
root = os.environ['PEERS_ROOT']
res = json.loads(subprocess.check_output(['python3', 'score.py', 'node', sys.argv[1]], cwd=root))
sug = next(v for k, v in res['tasks'].items() if k.startswith('suggest:'))
sea = next(v for k, v in res['tasks'].items() if k.startswith('search:'))
a = sea['quality']['all']
print('%-12s %8.3f %9.3f %9.3f %8.3f %10.0fus' % (sys.argv[2], sug['quality']['all'], sug['quality']['answered'], a['recall5'], a['ndcg10'], sug['latency']['p50_us']))
PY
done
echo
echo "Sift: text search, no embedder (hybrid: sift eval search with the built-in embedder). Peers: their"
echo "default variant as bench.mjs runs it (see ../shared/peers/README.md). Latency: demo scale, in process."
