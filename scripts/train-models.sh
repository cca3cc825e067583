#!/usr/bin/env bash
# Rebuilds the four shipped generators from scratch: cartoon domains, dense targets, training,
# ONNX export, evaluation. Idempotent and resumable: rerun it after an interruption.
#   PHOTOS=/path/to/photos DEVICE=cuda MINUTES=90 bash scripts/train-models.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PHOTOS=${PHOTOS:-../shared/datasets/photos}
HELDOUT=${HELDOUT:-../shared/datasets/eval-portraits}
DEVICE=${DEVICE:-auto}
MINUTES=${MINUTES:-95}
mkdir -p data/logs

python -m training.data.cartoons --out data/cartoon
for style in outline scenery; do
  python -m training.targets --style "$style" --photos "$PHOTOS" --exclude-dir "$HELDOUT" \
    --out "data/targets/$style" --max-short-side 256
done

# The fast generators are distilled from the hq ones (distill_from in their configs): hq first.
models=(toon-hq toon-hq-scenery toon-fast toon-fast-scenery)
if [ "$DEVICE" = cuda ]; then
  # One GPU: train one after another.
  for m in "${models[@]}"; do
    python -m training.train --config "training/configs/$m.toml" --device cuda --threads 8
  done
else
  # CPU: two runs at a time, one thread each, so the two cores are both busy.
  for pair in "toon-hq toon-hq-scenery" "toon-fast toon-fast-scenery"; do
    for m in $pair; do
      python -m training.train --config "training/configs/$m.toml" --device cpu --max-minutes "$MINUTES" \
        > "data/logs/train-$m.log" 2>&1 &
    done
    wait
  done
fi
for m in "${models[@]}"; do
  python -m training.export --checkpoint "runs/$m/checkpoint.pt" --out models
done
python -m training.evaluate --models models --docs docs
