#!/usr/bin/env bash
# netorch's main job on the example inventory: validate → plan → render → report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
INV=inventories/eastern-region
NETORCH=.venv/bin/netorch
$NETORCH validate "$INV"
$NETORCH plan "$INV" --frozen --out out/plan.txt
$NETORCH plan "$INV" --frozen --format json --out out/plan.json
$NETORCH render "$INV" --out out/configs
if $NETORCH report --help >/dev/null 2>&1; then
  $NETORCH report "$INV" --format html --out out/report.html
fi
echo "demo: plan in out/plan.txt, configs in out/configs/, report in out/report.html"
