"""Serve simulated devices over SSH on 127.0.0.1, in a process of their own.

    python tests/plugin_test/fleet.py NAME=PLATFORM@ADDRESS ...

Each device is `netorch.sim.fleet.make(PLATFORM, NAME, ADDRESS)`: its class is the
one its platform's plugin names, found through the registry (run with the plugin on
PYTHONPATH), and it boots with the plugin's `sim_seed`. Prints `{name: port}` as one
JSON line once every device listens, then answers one JSON line per request on stdin:

- `running`: `{name: running config}`;
- `fault NAME FIELD VALUE`: sets a fault (`sas_down true`, `ignore_on_commit REGEX`,
  `-` for none), answers `{}`.

Stops when stdin closes.
"""

from __future__ import annotations

import json
import sys

from netorch.sim import fleet
from netorch.sim.base import SimDevice
from netorch.sim.server import Simulator


def _fault(device: SimDevice, field: str, value: str) -> None:
    setting: object = None if value == "-" else value == "true" if field == "sas_down" \
        else value
    setattr(device.faults, field, setting)


def _answer(sim: Simulator, request: list[str]) -> object:
    if request == ["running"]:
        return {name: sim.call(d.running_text) for name, d in sim.devices.items()}
    if len(request) == 4 and request[0] == "fault":
        sim.call(_fault, sim.devices[request[1]], request[2], request[3])
        return {}
    return {"error": f"unknown request {request!r}"}


def main(specs: list[str]) -> None:
    devices = []
    for spec in specs:
        name, _, rest = spec.partition("=")
        platform, _, address = rest.partition("@")
        devices.append(fleet.make(platform, name, address))
    with Simulator(devices) as sim:
        print(json.dumps({d.name: d.port for d in devices}), flush=True)
        for line in sys.stdin:
            print(json.dumps(_answer(sim, line.split())), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
