#!/usr/bin/env bash
# netorch's main job on the example inventory: validate → plan → render → report.
#   bash scripts/demo.sh          the pipeline on inventories/eastern-region, into ./out
#   bash scripts/demo.sh --lab    as root: also install the lab's tools (apt) and build the
#                                 example lab for real: lab up → lab test → lab down
set -euo pipefail
cd "$(dirname "$0")/.."
LAB=0
[[ "${1:-}" == "--lab" ]] && LAB=1
# setup's own lines only with --lab (it may install packages); its errors always show
if ((LAB)); then bash scripts/setup.sh --system; else bash scripts/setup.sh >/dev/null; fi
INV=inventories/eastern-region
NETORCH=.venv/bin/netorch
$NETORCH validate "$INV"
$NETORCH plan "$INV" --frozen --out out/plan.txt
$NETORCH plan "$INV" --frozen --format json --out out/plan.json
$NETORCH render "$INV" --out out/configs
$NETORCH report "$INV" --format html --out out/report.html
echo "demo: plan in out/plan.txt, configs in out/configs/, report in out/report.html"
if ((LAB)); then
  trap '$NETORCH lab down inventories/lab >/dev/null' EXIT   # always torn down
  $NETORCH lab up inventories/lab
  $NETORCH lab test inventories/lab
fi
