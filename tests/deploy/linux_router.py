"""A real Linux router for deploy tests: a network namespace with OpenSSH, charon and FRR.

Everything lives in a temporary directory and a namespace this module creates (reached
over a veth pair it also creates); nothing in /etc is read or written. `router()` tears
it all down by PID and by name, also when the test fails.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PLUGINS = ("random nonce openssl pem pkcs1 pkcs8 x509 pubkey revocation constraints sha1 sha2 "
           "hmac gcm aes kdf curve25519 kernel-libipsec kernel-netlink socket-default vici "
           "updown")


@dataclass(frozen=True)
class LinuxRouter:
    ns: str
    address: str
    root: Path
    key_file: str
    env: dict[str, str]

    def run(self, *command: str) -> str:
        out = subprocess.run(["ip", "netns", "exec", self.ns, *command], capture_output=True,
                             text=True, timeout=30, env={**os.environ, **self.env}, check=False)
        return out.stdout + out.stderr


def available() -> str | None:
    """Why the router cannot be built here, or None."""
    if os.geteuid() != 0:
        return "needs root for network namespaces"
    for tool in ("/usr/sbin/sshd", "/usr/lib/ipsec/charon", "/usr/lib/frr/zebra", "ssh-keygen",
                 "swanctl", "vtysh"):
        if not (Path(tool).exists() or shutil.which(tool)):
            return f"{tool} is not installed"
    return None


def _sh(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=30)


def _wait_for(path: Path, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if path.exists():
            return
        time.sleep(0.05)
    raise TimeoutError(f"{path} did not appear")


def _configs(tmp: Path, ns: str, address: str) -> None:
    (tmp / "strongswan.conf").write_text(
        f"charon {{\n  load_modular = no\n  load = {PLUGINS}\n"
        f"  plugins {{\n    vici {{\n      socket = unix://{tmp}/charon.vici\n    }}\n  }}\n}}\n"
        f"swanctl {{\n  socket = unix://{tmp}/charon.vici\n}}\n")
    (tmp / "sshd_config").write_text(
        f"ListenAddress {address}:22\nHostKey {tmp}/host_key\nPidFile {tmp}/sshd.pid\n"
        f"AuthorizedKeysFile {tmp}/authorized_keys\nPermitRootLogin prohibit-password\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
        "StrictModes no\n"
        f'SetEnv NETORCH_ROOT={tmp}/root STRONGSWAN_CONF={tmp}/strongswan.conf '
        f'NETORCH_VTYSH="-N {ns}"\nSubsystem sftp internal-sftp\n')
    _sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp / "host_key"))
    _sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp / "client_key"))
    shutil.copy(tmp / "client_key.pub", tmp / "authorized_keys")
    (tmp / "root").mkdir()


@contextlib.contextmanager
def router(tmp: Path) -> Iterator[LinuxRouter]:
    tag = f"{os.getpid() % 100000}"
    ns, host_if, ns_if = f"ntdeploy{tag}", f"ndh{tag}", f"ndn{tag}"
    address = "198.18.250.2"
    procs: list[subprocess.Popen[bytes]] = []
    try:
        _sh("ip", "netns", "add", ns)
        _sh("ip", "link", "add", host_if, "type", "veth", "peer", "name", ns_if)
        _sh("ip", "link", "set", ns_if, "netns", ns)
        _sh("ip", "addr", "add", "198.18.250.1/30", "dev", host_if)
        _sh("ip", "link", "set", host_if, "up")
        for cmd in (("ip", "link", "set", "lo", "up"), ("ip", "link", "set", ns_if, "up"),
                    ("ip", "addr", "add", f"{address}/30", "dev", ns_if)):
            _sh("ip", "netns", "exec", ns, *cmd)
        _configs(tmp, ns, address)
        Path("/run/sshd").mkdir(exist_ok=True)
        procs.append(subprocess.Popen(
            ["ip", "netns", "exec", ns, "sh", "-c", "mount -t tmpfs tmpfs /run && exec "
             "/usr/lib/ipsec/charon"], env={**os.environ,
                                            "STRONGSWAN_CONF": str(tmp / "strongswan.conf")},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        procs.append(subprocess.Popen(["ip", "netns", "exec", ns, "/usr/sbin/sshd", "-D", "-f",
                                       str(tmp / "sshd_config")]))
        for daemon in ("zebra", "bgpd", "staticd"):
            _sh("ip", "netns", "exec", ns, f"/usr/lib/frr/{daemon}", "-N", ns, "-d",
                "-A", "127.0.0.1", "-P", "0", "-f", "/dev/null")
        _wait_for(tmp / "charon.vici")
        _wait_for(tmp / "sshd.pid")
        yield LinuxRouter(ns, address, tmp / "root", str(tmp / "client_key"),
                          {"STRONGSWAN_CONF": str(tmp / "strongswan.conf")})
    finally:
        _teardown(ns, host_if, procs)


def _teardown(ns: str, host_if: str, procs: list[subprocess.Popen[bytes]]) -> None:
    for daemon in ("staticd", "bgpd", "zebra"):
        pid_file = Path(f"/run/frr/{ns}/{daemon}.pid")
        with contextlib.suppress(OSError, ValueError):
            os.kill(int(pid_file.read_text().strip()), 15)
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    subprocess.run(["ip", "link", "del", host_if], capture_output=True, check=False)
    subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)
    shutil.rmtree(f"/run/frr/{ns}", ignore_errors=True)
