"""Linux + strongSwan + FRR over SSH: files in place, then `swanctl` and `vtysh` load them.

Files travel over SFTP on the same SSH session (`sftp.RemoteFiles`): each is written
to a temporary file in its own folder (0600 when it holds keys, folders netorch
creates 0700), fsynced, and only then renamed over the old one. `frr.conf` is checked
with `vtysh --dryrun` before anything is installed. A failure restores the files found
on the box the same way and reloads them. Paths are relative to `$NETORCH_ROOT`
(empty in production), and `$NETORCH_VTYSH` may add options such as `-N NAMESPACE`;
both are read on the device, so a lab or test can point netorch at its own copies
without touching /etc.

interfaces.sh also loads netorch's nftables table (the MSS clamp and, with a policy,
the segmentation rules) with one `nft -f` transaction that replaces that table alone:
nft refuses a bad ruleset whole, so the table loaded before stays, the script exits
non-zero (`set -eu`) and the deploy rolls back. A policy change is a change of
interfaces.sh, which runs again.

A certificate fabric's PKI files (`pki-*`) go into swanctl's credential folders under
netorch's name (`PKI_FILES`); one the render left empty is removed from the box; any of
them changed reloads strongSwan with `swanctl --load-all --clear`, which reads them. The
private key's diff never shows its contents, whichever side holds it.
"""

from __future__ import annotations

import base64
import contextlib
import posixpath
import re
import shlex
from collections.abc import Mapping

from netorch.deploy.change import Change, Conflict, unified
from netorch.deploy.driver import Connect, DeviceError, Driver, DriverOptions
from netorch.deploy.targets import DeviceTarget
from netorch.keys import holds_key, key_shaped
from netorch.platforms.linux_strongswan import PLATFORM
from netorch.platforms.linux_strongswan.frr import frr_removals
from netorch.transport.sftp import RemoteFiles

_OWNER = PLATFORM.owned["name"]
_SWANCTL = "$NETORCH_ROOT/etc/swanctl"
# The swanctl credential folders (https://docs.strongswan.org/docs/latest/swanctl/
# swanctlDir.html): read relative to the swanctl.conf given with --file (5.7.2+). The
# names match swanctl.conf's `certs` and `cacerts` (templates: `owned.name`).
PKI_FILES = {"pki-ca.crt": f"{_SWANCTL}/x509ca/{_OWNER}-ca.crt",
             "pki-cert.crt": f"{_SWANCTL}/x509/{_OWNER}.crt",
             "pki-crl.pem": f"{_SWANCTL}/x509crl/{_OWNER}.crl",
             "pki-key.pem": f"{_SWANCTL}/private/{_OWNER}.key"}
PATHS = {"swanctl.conf": f"{_SWANCTL}/swanctl.conf",
         "frr.conf": "$NETORCH_ROOT/etc/frr/frr.conf",
         "interfaces.sh": "$NETORCH_ROOT/etc/netorch/interfaces.sh",
         **PKI_FILES}
# Files strongSwan reads: a change to any of them reloads swanctl.conf and credentials.
SWANCTL_FILES = frozenset({"swanctl.conf", *PKI_FILES})
# Files whose contents no diff shows: the private key.
HIDDEN_FILES = frozenset({"pki-key.pem"})
# Where the box keeps the pre-shared keys: swanctl.conf is written 0600 from its first
# byte whatever it holds (a rollback restores the box's own copy), and so is any file
# render marked as holding a key (`holds_key`).
SECRET_FILES = frozenset({"swanctl.conf", "pki-key.pem"})
FILE_MODE, SECRET_MODE, DIR_MODE = 0o644, 0o600, 0o700
_MARK = "@@netorch@@"
_ROOT = "@@netorch-root@@"
# netorch owns these three files whole: one it did not write (no "Rendered by netorch"
# header) is a conflict when it holds more than a distribution's defaults (comments,
# swanctl's `include conf.d/*.conf`, which netorch's swanctl.conf keeps, and FRR's
# frr version/defaults, hostname, log, integrated-vtysh-config and `line vty` lines).
_OURS = re.compile(rf"^[#!] Rendered by {re.escape(PLATFORM.owned['name'])} ", re.MULTILINE)
_DEFAULTS = {
    "swanctl.conf": re.compile(r"#.*|include conf\.d/\*\.conf|[{}]?"),
    "frr.conf": re.compile(r"!.*|frr (version|defaults) .*|hostname \S+|log .*|"
                           r"service integrated-vtysh-config|line vty|end|(no )?ipv6? forwarding"),
    "interfaces.sh": re.compile(r"#.*"),
}
_RESOLVE = {
    "swanctl.conf": "move the operator's connections into /etc/swanctl/conf.d/*.conf, which "
                    "netorch's swanctl.conf includes",
    "frr.conf": "netorch owns frr.conf whole on Linux: run FRR for netorch only, or keep the "
                "operator's routing on another device",
    "interfaces.sh": "netorch owns /etc/netorch/interfaces.sh: move that script elsewhere",
}


def file_mode(name: str, text: str) -> int:
    """0600 for the box's key file and for any file holding a key (marked by render, or,
    for a file read back from the box to restore it, holding a key-shaped value), else
    0644."""
    secret = name in SECRET_FILES or holds_key(text) or bool(key_shaped(text))
    return SECRET_MODE if secret else FILE_MODE


def _path(name: str) -> str:
    return f'"{PATHS[name]}"'


def foreign(name: str, text: str) -> Conflict | None:
    """A conflict when `text`, the file found at `name`'s path, is the operator's: not
    written by netorch and holding more than the distribution's defaults.

    >>> foreign("frr.conf", "frr defaults traditional\\nhostname r1\\n") is None
    True
    >>> print(foreign("frr.conf", "router ospf\\n network 10.0.0.0/8 area 0\\n").line)
    /etc/frr/frr.conf: router ospf
    """
    if name in PKI_FILES or _OURS.search(text):  # PKI files: netorch's by their name
        return None
    own = next((line.strip() for line in text.splitlines()
                if line.strip() and not _DEFAULTS[name].fullmatch(line.strip())), None)
    if own is None:
        return None
    return Conflict(f"{PATHS[name].removeprefix('$NETORCH_ROOT')}: {own}",
                    "the file holds configuration netorch did not write", _RESOLVE[name])


def verb(name: str, want: str) -> str:
    """How a changed file is deployed: a PKI file the render left empty is removed (an
    empty file in a credential folder would fail swanctl's load); others are installed.

    >>> verb("pki-crl.pem", ""), verb("frr.conf", ""), verb("pki-crl.pem", "x")
    ('remove', 'install', 'install')
    """
    return "remove" if name in PKI_FILES and not want.strip() else "install"


def file_diff(have: str, want: str, name: str) -> str:
    """The unified diff of one file; for the private key only that it changes.

    >>> print(file_diff("old key", "new key", "pki-key.pem"), end="")
    --- running/pki-key.pem
    +++ intended/pki-key.pem
    @@ private key replaced: contents not shown @@
    """
    if name not in HIDDEN_FILES:
        return unified(have, want, name)
    what = "added" if not have.strip() else "removed" if not want.strip() else "replaced"
    return (f"--- running/{name}\n+++ intended/{name}\n"
            f"@@ private key {what}: contents not shown @@\n")


def initiated(swanctl_conf: str) -> list[str]:
    """The CHILD_SAs of a swanctl.conf that this end starts (`start_action = start`);
    netorch names each after its connection.

    >>> initiated("connections {\\n  hub-private {\\n    children {\\n      hub-private {\\n"
    ...           "        start_action = start\\n      }\\n    }\\n  }\\n}\\n")
    ['hub-private']
    """
    names: set[str] = set()
    stack: list[str] = []
    for line in (raw.strip() for raw in swanctl_conf.splitlines()):
        if line.endswith("{"):
            stack.append(line[:-1].strip())
        elif line == "}" and stack:
            stack.pop()
        elif (line.replace(" ", "") == "start_action=start" and len(stack) == 4
              and stack[0] == "connections" and stack[2] == "children"):
            names.add(stack[3])
    return sorted(names)


class LinuxDriver(Driver):
    platform = "linux_strongswan"

    def __init__(self, target: DeviceTarget, connect: Connect, reconnect: Connect,
                 options: DriverOptions | None = None) -> None:
        super().__init__(target, connect, reconnect, options)
        self._sftp: RemoteFiles | None = None
        self._root_dir: str | None = None

    def get_running(self) -> str:
        script = "; ".join(f"printf '{_MARK}{n} '; base64 -w0 {_path(n)} 2>/dev/null; echo"
                           for n in PATHS)
        return self.send(script)

    @classmethod
    def complete(cls, running: str) -> bool:
        """One marked line per file, each printed even when the file is missing."""
        return all(f"{_MARK}{name} " in running for name in PATHS)

    def _files(self, running: str) -> dict[str, str]:
        found = dict.fromkeys(PATHS, "")
        for match in re.finditer(rf"{_MARK}(\S+) ([A-Za-z0-9+/=]*)", running):
            if match[1] in found:
                found[match[1]] = base64.b64decode(match[2]).decode()
        return found

    def plan(self, running: str, *, rotate_keys: bool = False) -> Change:
        # the files read back are the files written: keys compare as plain text
        have = self._files(running)
        want = {n: self.target.files.get(n, "") for n in PATHS}
        changed = [n for n in PATHS if have[n] != want[n]]
        diff = "".join(file_diff(have[n], want[n], n) for n in changed)
        conflicts = tuple(c for n in changed if (c := foreign(n, have[n])) is not None)
        if not changed:
            return Change()
        return Change(diff, [f"{verb(n, want[n])} {n}" for n in changed], conflicts)

    def managed(self, running: str) -> str:
        files = self._files(running)
        return "".join(f"# {n}\n{files[n]}" for n in PATHS)

    def push(self, change: Change) -> None:
        names = [c.split()[1] for c in change.commands]
        gone = [c.split()[1] for c in change.commands if c.startswith("remove ")]
        temps = self._write({n: self.target.files.get(n, "") for n in names if n not in gone})
        if "frr.conf" in temps:
            self._run(f"vtysh $NETORCH_VTYSH --dryrun -f {shlex.quote(temps['frr.conf'][0])}",
                      "frr.conf check", "rejected", cleanup=temps)
        self._install(temps)
        for name in gone:
            self._remote().remove(self._where(name))
        self._apply(names, self._files(self.saved))

    def rollback(self) -> None:
        old = self._files(self.saved)
        self._install(self._write({n: text for n, text in old.items() if text}))
        for name in (n for n, text in old.items() if not text):
            self._remote().remove(self._where(name))
        self._apply(list(PATHS), self._files(self.get_running()), old, self.target.files)

    def kick(self) -> int:
        """charon does not retry an IKE_SA its peer refused (NO_PROPOSAL_CHOSEN from a
        peer not configured yet): initiate each connection this end starts that has no
        IKE_SA at all now (one still CONNECTING keeps retrying by itself)."""
        names = initiated(self.target.files.get("swanctl.conf", ""))
        if not names:
            return 0
        loop = ("n=0; for c in " + " ".join(shlex.quote(c) for c in names) + "; do "
                '[ -n "$(swanctl --list-sas --ike "$c" 2>/dev/null)" ] || { n=$((n+1)); '
                'swanctl --initiate --ike "$c" --child "$c" --timeout 1 >/dev/null 2>&1; }; '
                'done; echo "kicked=$n"')
        match = re.search(r"kicked=(\d+)", self._run(loop, "re-initiating tunnels"))
        return int(match[1]) if match else 0

    def reopen(self) -> None:
        if self._sftp is not None:
            with contextlib.suppress(Exception):
                self._sftp.close()
        super().reopen()

    def _remote(self) -> RemoteFiles:
        """SFTP on the current SSH session (a new one after `reopen`)."""
        client = self.conn.remote_conn_pre
        if self._sftp is None or self._sftp.ssh_client is not client:
            self._sftp = RemoteFiles(client, self.options.timeout)
        return self._sftp

    def _root(self) -> str:
        """`$NETORCH_ROOT` as the device's shell sees it (SFTP expands nothing)."""
        out = self.send(f"printf '{_ROOT}%s{_ROOT}\\n' \"$NETORCH_ROOT\"")
        match = re.search(rf"{_ROOT}(.*?){_ROOT}", out, re.S)
        if match is None:
            raise DeviceError("device", "could not read $NETORCH_ROOT on the device")
        return match[1]

    def _where(self, name: str) -> str:
        if self._root_dir is None:
            self._root_dir = self._root()
        return self._root_dir + PATHS[name].removeprefix("$NETORCH_ROOT")

    def _write(self, files: dict[str, str]) -> dict[str, tuple[str, str]]:
        """Each file written and fsynced beside its target: {name: (temporary, target)}."""
        paths = {n: self._where(n) for n in files}
        if not paths:
            return {}
        folders = " ".join(shlex.quote(d) for d in sorted({posixpath.dirname(p)
                                                            for p in paths.values()}))
        self._run(f"mkdir -p -m {DIR_MODE:o} -- {folders}", "creating folders")
        temps: dict[str, tuple[str, str]] = {}
        try:
            for name, text in files.items():
                mode = file_mode(name, text)
                temps[name] = (self._remote().write_temp(paths[name], text, mode), paths[name])
        except BaseException:
            self._discard(temps)
            raise
        quoted = " ".join(shlex.quote(t) for t, _ in temps.values())
        self._run(f"sync -- {quoted}", "fsync", cleanup=temps)
        return temps

    def _install(self, temps: dict[str, tuple[str, str]]) -> None:
        """Rename every temporary file over its target (each an atomic replace)."""
        done: set[str] = set()
        try:
            for name, (temp, path) in temps.items():
                self._remote().replace(temp, path)
                done.add(name)
        except BaseException:
            self._discard({n: t for n, t in temps.items() if n not in done})
            raise

    def _discard(self, temps: dict[str, tuple[str, str]]) -> None:
        for temp, _ in temps.values():
            with contextlib.suppress(Exception):
                self._remote().remove(temp)

    def _apply(self, names: list[str], previous: Mapping[str, str],
               loading: Mapping[str, str] | None = None,
               loaded: Mapping[str, str] | None = None) -> None:
        """Load the installed files: `previous` is what they replaced, `loading` what
        they now hold (default: the rendered files), `loaded` what FRR may hold that
        `loading` no longer does (default: `previous`)."""
        loading = self.target.files if loading is None else loading
        loaded = previous if loaded is None else loaded
        if "interfaces.sh" in names and self.target.files.get("interfaces.sh") is not None:
            self._run(f"[ ! -s {_path('interfaces.sh')} ] || sh {_path('interfaces.sh')}",
                      "interfaces.sh")
        if SWANCTL_FILES.intersection(names):
            out = self._run(f"swanctl --load-all --clear --file {_path('swanctl.conf')}",
                            "swanctl --load-all", "rejected")
            if re.search(r"syntax error|invalid config file|loading \S+ '[^']*' failed", out):
                raise DeviceError("rejected", "the device rejected the config: swanctl refused it")
        if "frr.conf" in names:
            old_as = re.search(r"^router bgp (\d+)", previous.get("frr.conf", ""), re.M)
            if old_as:
                self._run(f"vtysh $NETORCH_VTYSH -c 'configure terminal' "
                          f"-c 'no router bgp {old_as[1]}'", "clearing BGP")
            self._remove_stale(loaded.get("frr.conf") or "", loading.get("frr.conf") or "")
            self._run(f"vtysh $NETORCH_VTYSH -f {_path('frr.conf')}", "vtysh -f", "rejected")

    def _remove_stale(self, previous: str, new: str) -> None:
        """`vtysh -f` only adds: first remove what the old frr.conf had and the new one
        has not (prefix-lists, route-map entries, anchor routes), 40 commands a call.
        What is already gone (a rollback after a push that failed before FRR loaded the
        new file) is not an error: `vtysh -f` and the post-commit read decide."""
        removals = frr_removals(previous, new)
        for i in range(0, len(removals), 40):
            args = " ".join(f"-c {shlex.quote(c)}" for c in removals[i:i + 40])
            self._run(f"vtysh $NETORCH_VTYSH -c 'configure terminal' {args} || true",
                      "removing stale FRR lines")

    def send(self, command: str, expect: str | None = None) -> str:
        # cmd_verify=False: bash wraps the echo of long lines at the terminal width, so
        # waiting for an exact echo would time out; the prompt is enough
        output: str = self.conn.send_command(command, expect_string=expect,
                                             auto_find_prompt=False, cmd_verify=False)
        return output

    def _run(self, command: str, step: str, kind: str = "device",
             cleanup: dict[str, tuple[str, str]] | None = None) -> str:
        """`command` in the device's shell; a non-zero exit raises (after removing the
        `cleanup` temporary files)."""
        output = self.send(f"{command}; echo \"rc=$?\"")
        match = re.search(r"rc=(\d+)\s*$", output)
        if match is None or match[1] != "0":
            self._discard(cleanup or {})
            what = "the device rejected the config: " if kind == "rejected" else ""
            raise DeviceError(kind, f"{what}{step} failed (exit {match[1] if match else '?'})")
        return output
