"""strongSwan's and FRR's own parsers as checkers, and a throwaway charon to load into.

Every checker returns the problems it found (empty = accepted), judged on the exit
code AND the output: `swanctl --load-all` exits 0 on a syntax error, printing
"syntax error" / "invalid config file".
"""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CHARON = Path("/usr/lib/ipsec/charon")
PLUGINS = ("random nonce openssl pem pkcs1 pkcs8 x509 pubkey revocation constraints sha1 sha2 "
           "hmac gcm aes kdf kernel-netlink socket-default vici")
SWANCTL_PLUGINS = "random nonce openssl pem pkcs1 pkcs8 x509 pubkey revocation constraints"
SWANCTL_DIRS = ("conf.d", "x509", "x509ca", "x509aa", "x509ocsp", "x509crl", "x509ac", "pubkey",
                "private", "rsa", "ecdsa", "bliss", "pkcs8", "pkcs12")
SWANCTL_BAD = ("syntax error", "invalid config", "failed", "discarded", "error")
TIMEOUT = 20


def missing_tools() -> list[str]:
    tools = [str(CHARON), "swanctl", "vtysh", "ip", "unshare", "bash"]
    return [t for t in tools if shutil.which(t) is None]


def _run(argv: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT, check=False,
                          env=env)


@dataclass
class Charon:
    """A charon in its own network namespace; swanctl talks to it over `socket`."""

    ns: str
    workdir: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def socket(self) -> Path:
        return self.workdir / "charon.vici"

    @property
    def swanctl_dir(self) -> Path:
        return self.workdir / "swanctl"

    def start(self) -> None:
        for sub in SWANCTL_DIRS:
            (self.swanctl_dir / sub).mkdir(parents=True, exist_ok=True)
        conf = self.workdir / "strongswan.conf"
        conf.write_text(f"charon {{\n  load_modular = no\n  load = {PLUGINS}\n"
                        "  install_routes = no\n  retransmit_tries = 1\n"
                        f"  plugins {{\n    vici {{\n      socket = unix://{self.socket}\n"
                        "    }\n  }\n}\n"
                        f"swanctl {{\n  load = {SWANCTL_PLUGINS}\n"
                        f"  socket = unix://{self.socket}\n}}\n")
        _run(["ip", "netns", "add", self.ns]).check_returncode()
        script = f"mount -t tmpfs tmpfs /run; STRONGSWAN_CONF={conf} exec {CHARON}"
        log = (self.workdir / "charon.log").open("wb")
        self.process = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, "unshare", "--mount", "--propagation", "private",
             "sh", "-c", script], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while not self.socket.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("charon did not start: "
                                   + (self.workdir / "charon.log").read_text()[-2000:])
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop our charon (by its PID) and delete our namespace (by its name)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        _run(["ip", "netns", "delete", self.ns])

    def swanctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "STRONGSWAN_CONF": str(self.workdir / "strongswan.conf"),
               "SWANCTL_DIR": str(self.swanctl_dir)}
        return _run(["swanctl", *args, "--uri", f"unix://{self.socket}"], env=env)


def new_charon(workdir: Path) -> Charon:
    return Charon(ns=f"nt-rp-{uuid.uuid4().hex[:8]}", workdir=workdir)


def check_swanctl(charon: Charon, text: str, connections: int) -> list[str]:
    """Load `text` as swanctl.conf (--load-all, then --load-conns); expect `connections`."""
    conf = charon.swanctl_dir / "swanctl.conf"
    conf.write_text(text)
    problems = []
    for command in ("--load-all", "--load-conns"):
        extra = ["--noprompt"] if command == "--load-all" else []
        done = charon.swanctl(command, *extra, "--file", str(conf))
        out = done.stdout + done.stderr
        bad = [w for w in SWANCTL_BAD if w in out.lower()]
        if done.returncode != 0 or bad:
            problems.append(f"swanctl {command} exit {done.returncode}: {out.strip()}")
        elif f"successfully loaded {connections} connections" not in out:
            problems.append(f"swanctl {command}: expected {connections} connections: {out}")
    return problems


def check_frr(path: Path) -> list[str]:
    done = _run(["vtysh", "--dryrun", "-f", str(path)])
    out = (done.stdout + done.stderr).strip()
    if done.returncode != 0 or out:
        return [f"vtysh --dryrun exit {done.returncode}: {out}"]
    return []


def check_shell(path: Path) -> list[str]:
    done = _run(["bash", "-n", str(path)])
    if done.returncode != 0 or done.stderr.strip():
        return [f"bash -n exit {done.returncode}: {done.stderr.strip()}"]
    return []


class ThrowawayCA:
    """A fabric CA and device certificates (ECDSA P-256), for certificate auth only."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "netorch test CA")])
        self.name = name
        self.cert = (self._builder(name, self.key.public_key())
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None),
                                    critical=True)
                     .sign(self.key, hashes.SHA256()))

    def _builder(self, subject: x509.Name, public: ec.EllipticCurvePublicKey
                 ) -> x509.CertificateBuilder:
        now = datetime.datetime.now(datetime.UTC)
        return (x509.CertificateBuilder().subject_name(subject).issuer_name(self.name)
                .public_key(public).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(days=1)))

    def install(self, swanctl_dir: Path, device: str, ike_id: str) -> None:
        """x509ca/ca.crt, x509/<device>.crt (subject and SAN = ike_id), private/<device>.key."""
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ike_id)])
        cert = (self._builder(subject, key.public_key())
                .add_extension(x509.SubjectAlternativeName([x509.DNSName(ike_id)]),
                               critical=False)
                .sign(self.key, hashes.SHA256()))
        pem = serialization.Encoding.PEM
        (swanctl_dir / "x509ca" / "ca.crt").write_bytes(self.cert.public_bytes(pem))
        (swanctl_dir / "x509" / f"{device}.crt").write_bytes(cert.public_bytes(pem))
        (swanctl_dir / "private" / f"{device}.key").write_bytes(key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
