"""Run a fleet of simulated devices until stdin closes: `python -m netorch.sim N OUT`.

Devices are named sim-000... and cycle through the simulated platforms; OUT receives
a JSON map name -> [platform, port] once every device listens. The benchmark runs the
fleet in its own process so the simulator and the deploy code do not share a GIL.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

from netorch.sim import fleet
from netorch.sim.server import Simulator


def main(count: int, out: str) -> None:
    warnings.filterwarnings("ignore")
    kinds = fleet.simulated()
    devices = [fleet.make(kinds[i % len(kinds)], f"sim-{i:03d}",
                          f"198.51.{100 + i // 250}.{i % 250 + 1}") for i in range(count)]
    with Simulator(devices) as sim:
        ports = {d.name: [d.platform, d.port] for d in sim.devices.values()}
        Path(out).write_text(json.dumps(ports), encoding="utf-8")
        sys.stdin.read()  # until the parent closes our stdin


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
