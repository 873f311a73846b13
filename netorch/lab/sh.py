"""Running the system tools the lab drives: explicit argv lists, bounded in time."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from netorch.lab.errors import LabError

DEFAULT_TIMEOUT = 30.0
TOOLS = {
    "ip": "iproute2",
    "nft": "nftables",
    "sshd": "openssh-server",
    "ssh-keygen": "openssh-client",
    "swanctl": "strongswan-swanctl",
    "vtysh": "frr",
    "ping": "iputils-ping",
    "unshare": "util-linux",
}
PROGRAMS = {
    "/usr/lib/ipsec/charon": "strongswan-charon",
    "/usr/lib/frr/zebra": "frr",
    "/usr/lib/frr/bgpd": "frr",
    "/usr/lib/frr/bfdd": "frr",
    "/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so": "libcharon-extra-plugins",
    "/usr/lib/ipsec/plugins/libstrongswan-openssl.so": "libstrongswan-standard-plugins",
}


@dataclass(frozen=True)
class Output:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def run(argv: Sequence[str], *, check: bool = True, timeout: float = DEFAULT_TIMEOUT,
        stdin: str | None = None) -> Output:
    """Run one command; raise `LabError` (with its stderr) if `check` and it fails."""
    try:
        proc = subprocess.run(list(argv), input=stdin, capture_output=True, text=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise LabError(f"timed out after {timeout:g} s: {' '.join(argv)}") from None
    except FileNotFoundError:
        raise LabError(f"command not found: {argv[0]}") from None
    out = Output(tuple(argv), proc.returncode, proc.stdout, proc.stderr)
    if check and not out.ok:
        detail = (out.stderr or out.stdout).strip().splitlines()
        raise LabError(f"{' '.join(argv)} failed (exit {out.returncode})"
                       + (f": {detail[-1]}" if detail else ""))
    return out


def in_ns(ns: str, argv: Sequence[str]) -> list[str]:
    """The argv that runs `argv` inside network namespace `ns`."""
    return ["ip", "netns", "exec", ns, *argv]


def ip_batch(ns: str | None, commands: Sequence[str], *, check: bool = True) -> Output:
    """Many `ip` commands in one process (`ip -batch -`), optionally in a namespace.

    The commands are built by the lab from validated names and addresses; each is
    one line, so nothing from the inventory can add a line of its own.
    """
    if any("\n" in c for c in commands):
        raise LabError("internal error: newline in an ip batch command")
    argv = ["ip", *(["-n", ns] if ns else []), "-batch", "-"]
    return run(argv, stdin="\n".join(commands) + "\n", check=check)


def missing_tools() -> list[str]:
    """What the lab needs and this machine lacks, as 'tool (Debian package)'."""
    missing = [f"{t} ({pkg})" for t, pkg in TOOLS.items() if shutil.which(t) is None]
    missing += [f"{p} ({pkg})" for p, pkg in PROGRAMS.items() if shutil.which(p) is None
                and not _exists(p)]
    return missing


def _exists(path: str) -> bool:
    return Path(path).exists()
