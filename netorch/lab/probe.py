"""Looking at a running lab: IKE/CHILD SAs, BGP sessions, routes, pings. Read-only.

Every wait is bounded in time; every ping in count and time.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netorch.lab import sh
from netorch.lab.daemons import device_dir, etc_dir
from netorch.lab.errors import LabError
from netorch.lab.runtime import Runtime
from netorch.lab.spec import LabDevice

_SA_RE = re.compile(r"^(?P<indent>\s*)(?P<name>[\w-]+): #\d+, (?:reqid \d+, )?(?P<state>[A-Z_]+)")


@dataclass(frozen=True)
class SaState:
    device: str
    ike: dict[str, str]       # IKE SA name -> state (ESTABLISHED, CONNECTING, ...)
    children: dict[str, str]  # CHILD SA name -> state (INSTALLED, ...)

    def established(self, name: str) -> bool:
        return (self.ike.get(name) == "ESTABLISHED"
                and self.children.get(name) == "INSTALLED")


def swanctl(rt: Runtime, dev: LabDevice, args: list[str], *, check: bool = True) -> str:
    devdir = device_dir(rt.workdir, dev)
    env = ["env", f"STRONGSWAN_CONF={devdir / 'strongswan.conf'}",
           f"SWANCTL_DIR={etc_dir(devdir) / 'swanctl'}"]
    return sh.run([*env, "swanctl", *args], check=check).stdout


def vtysh(dev: LabDevice, command: str, *, check: bool = True) -> str:
    return sh.run(["vtysh", "-N", dev.ns, "-c", command], check=check).stdout


def sa_state(rt: Runtime, dev: LabDevice) -> SaState:
    ike: dict[str, str] = {}
    children: dict[str, str] = {}
    for line in swanctl(rt, dev, ["--list-sas"], check=False).splitlines():
        match = _SA_RE.match(line)
        if match is None:
            continue
        table = children if match["indent"] else ike
        if table.get(match["name"]) not in ("ESTABLISHED", "INSTALLED"):
            table[match["name"]] = match["state"]
    return SaState(dev.name, ike, children)


# `swanctl --list-conns`: a connection's first line, and each of its authentication rounds
# ("  local public key authentication:"). `--list-sas` does not name the method (its vici
# `list-sa` fields carry none, strongSwan 5.9), but charon establishes an IKE_SA only when
# the peer proved the class its connection's `remote` round demands (`auth = pubkey`
# also needs a certificate of `cacerts` the CRL does not list), so the loaded connection
# of an established SA names how both ends authenticated.
_CONN_RE = re.compile(r"^(?P<name>[\w-]+): IKEv\d")
_ROUND_RE = re.compile(r"^\s+(?P<side>local|remote) (?P<cls>\S.*?) authentication:$")
AUTH_NAMES = {"public key": "pubkey", "pre-shared key": "psk"}


def auth_methods(rt: Runtime, dev: LabDevice) -> dict[str, str]:
    """{connection: method} of the device's loaded connections, as charon holds them:
    "pubkey" or "psk" when both ends use it, else "LOCAL/REMOTE"."""
    sides: dict[str, dict[str, str]] = {}
    conn = None
    for line in swanctl(rt, dev, ["--list-conns"], check=False).splitlines():
        if (start := _CONN_RE.match(line)) is not None:
            conn = start["name"]
            sides[conn] = {}
        elif conn is not None and (auth := _ROUND_RE.match(line)) is not None:
            sides[conn].setdefault(auth["side"], AUTH_NAMES.get(auth["cls"], auth["cls"]))
    return {name: _method(found) for name, found in sides.items()}


def _method(sides: dict[str, str]) -> str:
    local, remote = sides.get("local", "?"), sides.get("remote", "?")
    return local if local == remote else f"{local}/{remote}"


def bgp_peers(dev: LabDevice) -> dict[str, dict[str, Any]]:
    """Neighbour address -> FRR's summary entry (state, pfxRcd, ...)."""
    out = vtysh(dev, "show bgp ipv4 unicast summary json", check=False)
    try:
        data = json.loads(out or "{}")
    except ValueError:
        return {}
    peers: dict[str, dict[str, Any]] = data.get("peers", {})
    return peers


def kernel_route(ns: str, prefix: str) -> str:
    """The device the kernel uses for `prefix` in `ns` ('' if none), e.g. 'vx0u1'."""
    out = sh.run(["ip", "-n", ns, "-j", "route", "show", prefix], check=False).stdout
    routes = json.loads(out or "[]")
    if not routes:
        return ""
    first = routes[0]
    if "nexthops" in first:
        return ",".join(sorted(str(n.get("dev", "")) for n in first["nexthops"]))
    return str(first.get("dev", ""))


def ping(ns: str, target: str, *, count: int = 3, timeout: float = 1.0,
         interval: float = 0.2) -> bool:
    argv = sh.in_ns(ns, ["ping", "-n", "-q", "-c", str(count), "-i", str(interval), "-W",
                         str(timeout), "-w", str(int(count * interval + timeout + 1)), target])
    out = sh.run(argv, check=False, timeout=count * interval + timeout + 5)
    match = re.search(r"(\d+) received", out.stdout)
    return bool(match and int(match.group(1)) > 0)


def wait_for(condition: Callable[[], bool], timeout: float, interval: float = 0.2) -> float:
    """Poll `condition` until true or `timeout`; seconds taken, or -1 on timeout."""
    began = time.monotonic()
    while True:
        if condition():
            return time.monotonic() - began
        if time.monotonic() - began > timeout:
            return -1.0
        time.sleep(interval)


def load_direct(rt: Runtime, dev: LabDevice, files: Path) -> None:
    """Load hand-written configs into a device without SSH (tests of the dataplane).

    `files` holds `dataplane.ip` (ip -batch lines), `swanctl.conf` and `frr.conf`.
    """
    devdir = device_dir(rt.workdir, dev)
    if (files / "dataplane.ip").exists():
        lines = (files / "dataplane.ip").read_text().splitlines()
        sh.ip_batch(dev.ns, [line for line in lines if line.strip()])
    (etc_dir(devdir) / "swanctl" / "swanctl.conf").write_text((files / "swanctl.conf").read_text())
    out = swanctl(rt, dev, ["--load-all", "--noprompt"])
    if "invalid config" in out or "syntax error" in out:
        raise LabError(f"swanctl rejected the config of {dev.name}: {out.strip()}")
    frr_conf = etc_dir(devdir) / "frr" / "frr.conf"
    frr_conf.write_text((files / "frr.conf").read_text())
    sh.run(["vtysh", "-N", dev.ns, "-f", str(frr_conf)])
