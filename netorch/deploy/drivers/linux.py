"""Linux + strongSwan + FRR over SSH: files in place, then `swanctl` and `vtysh` load them.

No SCP: files travel base64-encoded through the shell (in chunks below the tty's line
limit), are staged, and only then moved into place. `frr.conf` is checked with
`vtysh --dryrun` before anything is installed. A failure restores the files found on
the box and reloads them. Paths are relative to `$NETORCH_ROOT` (empty in production),
and `$NETORCH_VTYSH` may add options such as `-N NAMESPACE`; both are read on the
device, so a lab or test can point netorch at its own copies without touching /etc.
"""

from __future__ import annotations

import base64
import re
import shlex

from netorch.deploy.configs import Change, Conflict, unified
from netorch.deploy.drivers.base import DeviceError, Driver

PATHS = {"swanctl.conf": "$NETORCH_ROOT/etc/swanctl/swanctl.conf",
         "frr.conf": "$NETORCH_ROOT/etc/frr/frr.conf",
         "interfaces.sh": "$NETORCH_ROOT/etc/netorch/interfaces.sh"}
STAGE = "$NETORCH_ROOT/var/lib/netorch/staged"
_CHUNK = 2048
_MARK = "@@netorch@@"
# netorch owns these three files whole: one it did not write (no "Rendered by netorch"
# header) is a conflict when it holds more than a distribution's defaults (comments,
# swanctl's `include conf.d/*.conf`, which netorch's swanctl.conf keeps, and FRR's
# frr version/defaults, hostname, log, integrated-vtysh-config and `line vty` lines).
_OURS = re.compile(r"^[#!] Rendered by netorch ", re.MULTILINE)
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
    if _OURS.search(text):
        return None
    own = next((line.strip() for line in text.splitlines()
                if line.strip() and not _DEFAULTS[name].fullmatch(line.strip())), None)
    if own is None:
        return None
    return Conflict(f"{PATHS[name].removeprefix('$NETORCH_ROOT')}: {own}",
                    "the file holds configuration netorch did not write", _RESOLVE[name])


class LinuxDriver(Driver):
    platform = "linux_strongswan"
    netmiko_type = "linux"

    @classmethod
    def files(cls) -> tuple[str, ...]:
        return tuple(PATHS)

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
        diff = "".join(unified(have[n], want[n], n) for n in changed)
        conflicts = tuple(c for n in changed if (c := foreign(n, have[n])) is not None)
        if not changed:
            return Change()
        return Change(diff, [f"install {n}" for n in changed], conflicts)

    def managed(self, running: str) -> str:
        files = self._files(running)
        return "".join(f"# {n}\n{files[n]}" for n in PATHS)

    def push(self, change: Change) -> None:
        names = [c.split()[1] for c in change.commands]
        want = {n: self.target.files.get(n, "") for n in names}
        self._run(f'mkdir -p "{STAGE}"', "staging")
        for name, text in want.items():
            self._upload(f'"{STAGE}/{name}"', text)
        if "frr.conf" in want:
            self._run(f'vtysh $NETORCH_VTYSH --dryrun -f "{STAGE}/frr.conf"', "frr.conf check",
                      "rejected")
        for name in names:
            self._run(f"mkdir -p \"$(dirname {_path(name)})\" && "
                      f'mv "{STAGE}/{name}" {_path(name)}', f"installing {name}")
        self._apply(names, self._files(self.saved))

    def rollback(self) -> None:
        old = self._files(self.saved)
        for name, text in old.items():
            if text:
                self._upload(_path(name), text)
            else:
                self._run(f"rm -f {_path(name)}", f"removing {name}")
        self._apply(list(PATHS), self._files(self.get_running()))

    def _apply(self, names: list[str], previous: dict[str, str]) -> None:
        if "interfaces.sh" in names and self.target.files.get("interfaces.sh") is not None:
            self._run(f"[ ! -s {_path('interfaces.sh')} ] || sh {_path('interfaces.sh')}",
                      "interfaces.sh")
        if "swanctl.conf" in names:
            out = self._run(f"swanctl --load-all --clear --file {_path('swanctl.conf')}",
                            "swanctl --load-all", "rejected")
            if re.search(r"syntax error|invalid config file|loading \S+ '[^']*' failed", out):
                raise DeviceError("rejected", "the device rejected the config: swanctl refused it")
        if "frr.conf" in names:
            old_as = re.search(r"^router bgp (\d+)", previous.get("frr.conf", ""), re.M)
            if old_as:
                self._run(f"vtysh $NETORCH_VTYSH -c 'configure terminal' "
                          f"-c 'no router bgp {old_as[1]}'", "clearing BGP")
            self._run(f"vtysh $NETORCH_VTYSH -f {_path('frr.conf')}", "vtysh -f", "rejected")

    def _upload(self, path: str, text: str) -> None:
        data = base64.b64encode(text.encode()).decode()
        self._run(f': > {path}.part', "upload")
        for start in range(0, len(data), _CHUNK):
            chunk = shlex.quote(data[start:start + _CHUNK])
            self._run(f"printf %s {chunk} >> {path}.part", "upload")
        self._run(f"base64 -d {path}.part > {path}.new && rm -f {path}.part && "
                  f"mv {path}.new {path}", "upload")

    def send(self, command: str, expect: str | None = None) -> str:
        # cmd_verify=False: bash wraps the echo of long lines (uploads) at the terminal
        # width, so waiting for an exact echo would time out; the prompt is enough
        output: str = self.conn.send_command(command, expect_string=expect,
                                             auto_find_prompt=False, cmd_verify=False)
        return output

    def _run(self, command: str, step: str, kind: str = "device") -> str:
        output = self.send(f"{command}; echo \"rc=$?\"")
        match = re.search(r"rc=(\d+)\s*$", output)
        if match is None or match[1] != "0":
            what = "the device rejected the config: " if kind == "rejected" else ""
            raise DeviceError(kind, f"{what}{step} failed (exit {match[1] if match else '?'})")
        return output
