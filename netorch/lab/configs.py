"""The files each lab device runs on: strongswan.conf, sshd_config, ssh_config (pure text).

strongswan.conf is the lab dataplane's own (`render --dataplane lab`, from
templates/linux_strongswan/_lab_strongswan.j2: userspace ESP with kernel-libipsec, an
explicit plugin list, fast retransmits) with the device's vici socket and log file.
Nothing in /etc is written.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

from netorch.lab.spec import LabDevice, LabSpec
from netorch.platforms.linux_strongswan import PLATFORM
from netorch.render import Renderer, RenderOptions

CHARON_CONF = "strongswan.conf"


@cache
def _charon_template() -> jinja2.Template:
    env = Renderer(RenderOptions(dataplane="lab")).env(PLATFORM.name)
    return env.get_template("_lab_strongswan.j2")


def strongswan_conf(devdir: Path, dev: LabDevice) -> str:
    """The device's charon settings, as the lab dataplane renders them, with its vici
    socket and log file in `devdir`."""
    options = {"dataplane": "lab", "vici_socket": f"unix://{devdir / 'charon.vici'}",
               "charon_log": str(devdir / "charon.log")}
    return _charon_template().render(device={"name": dev.name}, site={"name": dev.site},
                                     options=options, output_file=CHARON_CONF)


def sshd_config(devdir: Path, dev: LabDevice) -> str:
    ssh = devdir / "ssh"
    return f"""# netorch lab: sshd of device {dev.name}
ListenAddress {dev.mgmt.ip}
Port 22
HostKey {ssh / 'host_ed25519_key'}
PidFile {ssh / 'sshd.pid'}
AuthorizedKeysFile {ssh / 'authorized_keys'}
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
SetEnv NETORCH_ROOT={devdir / 'root'} STRONGSWAN_CONF={devdir / 'strongswan.conf'} \
SWANCTL_DIR={devdir / 'root' / 'etc' / 'swanctl'}
Subsystem sftp internal-sftp
"""


def ssh_config(spec: LabSpec, workdir: Path) -> str:
    """A client config naming every device, for `ssh -F WORKDIR/ssh_config DEVICE`."""
    blocks = []
    for dev in spec.devices:
        blocks.append(f"""Host {dev.name}
  HostName {dev.mgmt.ip}
  User root
  IdentityFile {workdir / 'id_ed25519'}
  IdentitiesOnly yes
  UserKnownHostsFile {workdir / 'known_hosts'}
  StrictHostKeyChecking yes
""")
    return "\n".join(blocks)
