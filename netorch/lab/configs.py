"""The files each lab device runs on: strongswan.conf, sshd_config, ssh_config (pure text).

strongSwan: userspace ESP (kernel-libipsec, the kernel here has no ESP/XFRM), an
explicit plugin list (≈ 11 MB per charon) and fast retransmits (DPD in ≈ 7-9 s
instead of ≈ 165 s). Nothing in /etc is written.
"""

from __future__ import annotations

from pathlib import Path

from netorch.lab.spec import LabDevice, LabSpec

PLUGINS = ("random nonce openssl pem pkcs1 pkcs8 x509 pubkey revocation constraints sha1 sha2 "
           "hmac gcm aes kdf kernel-libipsec kernel-netlink socket-default vici updown")

SWANCTL_PLUGINS = ("random nonce openssl pem pkcs1 pkcs8 x509 pubkey revocation constraints sha1 "
                   "sha2 hmac gcm aes")


def strongswan_conf(devdir: Path) -> str:
    vici = f"unix://{devdir / 'charon.vici'}"
    return f"""# netorch lab: one charon per device namespace, userspace ESP (kernel-libipsec)
charon {{
  load_modular = no
  load = {PLUGINS}
  retransmit_timeout = 1.0
  retransmit_base = 1.4
  retransmit_tries = 3
  install_virtual_ip = no
  plugins {{
    vici {{
      socket = {vici}
    }}
  }}
  syslog {{
    daemon {{
      default = -1
    }}
  }}
  filelog {{
    lab {{
      path = {devdir / 'charon.log'}
      time_format = %H:%M:%S
      default = 1
      ike = 1
      flush_line = yes
    }}
  }}
}}
swanctl {{
  load = {SWANCTL_PLUGINS}
  socket = {vici}
}}
"""


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
