"""Starting each device's charon, FRR (zebra, bgpd, bfdd, staticd) and sshd in its namespace.

charon gets a private mount namespace with a tmpfs on /run (its pid file path is
compiled in). sshd gets one where /etc/swanctl, /etc/frr, /etc/strongswan.conf and
/run/frr are the device's own, so a deploy over SSH sees an ordinary Linux router.
Paths reach `sh -c` as positional arguments, never spliced into the script.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from netorch.lab import configs, sh
from netorch.lab.errors import LabError
from netorch.lab.spec import LabDevice, LabSpec
from netorch.lab.state import LabState, Proc

CHARON = "/usr/lib/ipsec/charon"
FRR_DIR = Path("/usr/lib/frr")
FRR_DAEMONS = ("zebra", "bgpd", "bfdd", "staticd")
FRR_RUN = Path("/run/frr")
SWANCTL_SUBDIRS = ("conf.d", "x509", "x509ca", "x509aa", "x509ocsp", "x509crl", "x509ac",
                   "pubkey", "private", "rsa", "ecdsa", "bliss", "pkcs8", "pkcs12")
CHARON_SH = 'mount -t tmpfs tmpfs /run && STRONGSWAN_CONF="$1" exec "$2" 2>>"$3"'
SSHD_SH = ('mount --bind "$1" /etc/swanctl && mount --bind "$2" /etc/frr && '
           'mount --bind "$3" /etc/strongswan.conf && mount --bind "$4" /run/frr && '
           'exec /usr/sbin/sshd -D -f "$5" -E "$6"')
READY_TIMEOUT = 10.0
NETLINK_BUFFER = 8 * 1024 * 1024


def device_dir(workdir: Path, dev: LabDevice) -> Path:
    return workdir / "devices" / dev.name


def frr_dir(dev: LabDevice) -> Path:
    return FRR_RUN / dev.ns


def prepare(spec: LabSpec, workdir: Path) -> None:
    """Write every device's files and the lab's SSH client key."""
    key = workdir / "id_ed25519"
    if not key.exists():
        sh.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"netorch-lab-{spec.lab}",
                "-f", str(key)])
    pub = (workdir / "id_ed25519.pub").read_text()
    known = []
    for dev in spec.devices:
        known.append(_prepare_device(device_dir(workdir, dev), dev, pub))
    (workdir / "known_hosts").write_text("".join(known))
    (workdir / "ssh_config").write_text(configs.ssh_config(spec, workdir))


def etc_dir(devdir: Path) -> Path:
    """The device's own /etc ($NETORCH_ROOT/etc for deploy, bind-mounted for sshd)."""
    return devdir / "root" / "etc"


def _prepare_device(devdir: Path, dev: LabDevice, pub: str) -> str:
    etc = etc_dir(devdir)
    for sub in ("swanctl", "frr", "netorch"):
        (etc / sub).mkdir(parents=True, exist_ok=True)
    (devdir / "root" / "var" / "lib" / "netorch").mkdir(parents=True, exist_ok=True)
    (devdir / "ssh").mkdir(parents=True, exist_ok=True)
    for sub in SWANCTL_SUBDIRS:
        (etc / "swanctl" / sub).mkdir(exist_ok=True)
    (etc / "frr" / "vtysh.conf").touch()
    (etc / "frr" / "frr.conf").touch()
    shutil.chown(etc / "frr", "frr", "frr")
    (devdir / "strongswan.conf").write_text(configs.strongswan_conf(devdir, dev))
    (devdir / "ssh" / "sshd_config").write_text(configs.sshd_config(devdir, dev))
    (devdir / "ssh" / "authorized_keys").write_text(pub)
    hostkey = devdir / "ssh" / "host_ed25519_key"
    if not hostkey.exists():
        sh.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", dev.name, "-f",
                str(hostkey)])
    key_type, key_data = hostkey.with_suffix(".pub").read_text().split()[:2]
    return f"{dev.mgmt.ip} {key_type} {key_data}\n"


def start_all(spec: LabSpec, workdir: Path, state: LabState) -> None:
    """Start every daemon of every device, then wait until each one answers."""
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation dir
    for dev in spec.devices:
        _start_frr(dev, device_dir(workdir, dev), state)
    for dev in spec.devices:
        devdir = device_dir(workdir, dev)
        _spawn(state, dev, "charon", sh.in_ns(dev.ns, [
            "unshare", "--mount", "--propagation", "private", "sh", "-c", CHARON_SH, "sh",
            str(devdir / "strongswan.conf"), CHARON, str(devdir / "charon.out")]), "charon")
        _spawn(state, dev, "sshd", sh.in_ns(dev.ns, [
            "unshare", "--mount", "--propagation", "private", "sh", "-c", SSHD_SH, "sh",
            str(etc_dir(devdir) / "swanctl"), str(etc_dir(devdir) / "frr"),
            str(devdir / "strongswan.conf"),
            str(frr_dir(dev)), str(devdir / "ssh" / "sshd_config"),
            str(devdir / "ssh" / "sshd.log")]), "sshd")
    state.save()
    for dev in spec.devices:
        _wait_ready(dev, device_dir(workdir, dev))


def _start_frr(dev: LabDevice, devdir: Path, state: LabState) -> None:
    run_dir = frr_dir(dev)
    run_dir.mkdir(parents=True, exist_ok=True)
    shutil.chown(run_dir, "frr", "frr")
    state.frr_dirs.append(str(run_dir))
    for daemon in FRR_DAEMONS:
        extra = ["-s", str(NETLINK_BUFFER)] if daemon == "zebra" else []
        sh.run(sh.in_ns(dev.ns, [str(FRR_DIR / daemon), "-N", dev.ns, "-d", "-A", "127.0.0.1",
                                 "-P", "0", "-f", "/dev/null", *extra,
                                 "--log", f"file:{devdir / f'{daemon}.log'}"]))
        if daemon == "zebra":
            _wait_path(run_dir / "zserv.api", f"zebra of {dev.name}")
        pid = _read_pid(run_dir / f"{daemon}.pid")
        state.procs.append(Proc(dev.name, daemon, pid, daemon))


def _spawn(state: LabState, dev: LabDevice, role: str, argv: list[str], marker: str) -> None:
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    state.procs.append(Proc(dev.name, role, proc.pid, marker))


def _wait_ready(dev: LabDevice, devdir: Path) -> None:
    _wait_path(devdir / "charon.vici", f"charon of {dev.name}")
    _wait_zebra(dev)
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((str(dev.mgmt.ip), 22), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise LabError(f"sshd of {dev.name} did not listen on {dev.mgmt.ip}:22 within "
                   f"{READY_TIMEOUT:g} s (see {devdir / 'ssh' / 'sshd.log'})")


def _wait_zebra(dev: LabDevice) -> None:
    """Wait until zebra has read the interfaces (netlink events during its start get lost)."""
    want = str(dev.lan[0].ip)
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        out = sh.run(["vtysh", "-N", dev.ns, "-c", "show interface brief"], check=False)
        if want in out.stdout:
            return
        time.sleep(0.05)
    raise LabError(f"zebra of {dev.name} did not see its interfaces within {READY_TIMEOUT:g} s")


def _wait_path(path: Path, what: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if path.exists():
            return
        time.sleep(0.02)
    raise LabError(f"{what} did not start within {READY_TIMEOUT:g} s ({path} missing)")


def _read_pid(path: Path) -> int:
    _wait_path(path, f"pid file {path}")
    try:
        return int(path.read_text().strip())
    except ValueError:
        raise LabError(f"unreadable pid file {path}") from None
