"""Use netorch from Python: load, check, plan and render the example inventory.

    python examples/api_usage.py inventories/eastern-region
"""

from __future__ import annotations

import sys
from collections import Counter

from netorch import api
from netorch.findings import InventoryError


def main(path: str) -> int:
    try:
        inventory = api.load(path)
    except InventoryError as exc:
        print("\n".join(f.render() for f in exc.findings))
        return 1
    findings = api.check(inventory)
    for finding in findings:
        print(finding.render())
    if any(f.is_error for f in findings):
        return 1
    plan = api.plan(inventory)
    per_underlay = Counter(t.underlay for t in plan.tunnels)
    print(f"{plan.fabric.name}: {len(plan.sites)} sites, {len(plan.devices)} devices, "
          f"tunnels {dict(sorted(per_underlay.items()))}")
    files = api.render(plan, redact=True)
    biggest = max(files, key=lambda d: sum(len(t) for t in files[d].values()))
    print(f"rendered {sum(len(f) for f in files.values())} files; largest config: {biggest}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "inventories/eastern-region"))
