"""The Jinja2 environment, the template lookup chain, and rendering of whole fabrics."""

from __future__ import annotations

import gc
import ipaddress
import re
import shlex
import socket
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

import jinja2

from netorch import __version__
from netorch.errors import SecretMissing, UserError
from netorch.findings import INVISIBLE_CATEGORIES
from netorch.keys import KEY_SHAPE, Key, Secret, SecretText, needs_secret
from netorch.pki.state import FabricPki
from netorch.plan.model import EspChoice, FabricPlan
from netorch.plan.proposals import swan_esp_name
from netorch.platforms import Platform, PluginError, registry
from netorch.render.context import DeviceContext, device_contexts, find_field

# {device: {file name: text}}; a file holding a key is a `SecretText`.
Rendered = dict[str, dict[str, str]]


@dataclass(frozen=True)
class RenderOptions:
    """How to render. `dataplane="lab"` asks linux_strongswan for the lab's
    VXLAN-over-userspace-IPsec dataplane instead of kernel XFRM interfaces."""

    dataplane: str = "kernel"
    template_dirs: tuple[Path, ...] = ()
    extra: dict[str, object] = field(default_factory=dict)
    # A certificate fabric's PKI folder (`netorch.api.load_pki`): templates see `pki`
    pki: FabricPki | None = None
    # False: derived device keys are left out (rehearse with a throwaway secret)
    pki_keys: bool = True

    def variables(self) -> dict[str, object]:
        return {"dataplane": self.dataplane, **self.extra}


def builtin_templates() -> Path:
    """netorch's own templates: shipped in the wheel, or the checkout's top level."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "_templates", here.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise UserError("netorch's templates are missing from this installation")


PEM_KEY = "PRIVATE KEY-----"  # a PEM private key's armour, encrypted or not


class _KeyWatch:
    """Set when a template writes a `Key`: the file being rendered holds one."""

    __slots__ = ("seen",)

    def __init__(self) -> None:
        self.seen = False


class Renderer:
    """Renders devices of any platform; one Jinja2 environment per platform. One thread
    at a time: it notes, file by file, whether a key was written."""

    def __init__(self, options: RenderOptions | None = None) -> None:
        self.options = options or RenderOptions()
        self._envs: dict[str, jinja2.Environment] = {}
        self._files: dict[str, list[str]] = {}
        self._keys = _KeyWatch()

    def env(self, platform: str) -> jinja2.Environment:
        if platform not in self._envs:
            self._envs[platform] = self._make_env(platform)
        return self._envs[platform]

    def _make_env(self, platform: str) -> jinja2.Environment:
        plugin = registry()[platform]
        folders = [d / platform for d in self.options.template_dirs]
        folders.append(plugin.templates or builtin_templates() / platform)
        dirs = [d for d in folders if d.is_dir()]
        if not dirs:
            raise UserError(f"templates for platform {platform} are missing: looked in "
                            + ", ".join(str(d) for d in folders))
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
            undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
            keep_trailing_newline=True, autoescape=False, auto_reload=False,
            finalize=_guard(plugin, self._keys))
        env.filters.update(FILTERS)
        env.globals["netorch_version"] = __version__
        # `owned.KEY`: an attribute, which Jinja2 looks up first (a dict's key it finds
        # only after a failed attribute lookup, far slower in a macro called per tunnel)
        env.globals["owned"] = SimpleNamespace(**plugin.owned)
        return env

    def files(self, platform: str) -> list[str]:
        """Output files of a platform: every top-level `*.j2` not starting with `_`."""
        if platform not in self._files:
            self._files[platform] = self._list_files(platform)
        return self._files[platform]

    def _list_files(self, platform: str) -> list[str]:
        env = self.env(platform)
        names = {n for n in env.list_templates(extensions=["j2"])
                 if "/" not in n and not n.startswith("_")}
        return sorted(n[: -len(".j2")] for n in names)

    def render_device(self, ctx: DeviceContext) -> dict[str, str]:
        """{file name: text} of one device; a file a key was written into is a
        `SecretText`."""
        env = self.env(ctx.device.platform)
        out: dict[str, str] = {}
        variables = ctx.variables()
        # the safety net for a template that writes a key through a filter (which loses
        # the `Key` type): a file of a device with keys holding a key-shaped run is marked
        keyed = any(isinstance(v.psk, Key) for v in ctx.tunnels)
        pem_keyed = ctx.pki is not None and any(isinstance(k, Key) for k in ctx.pki.key_pem_lines)
        for name in self.files(ctx.device.platform):
            self._keys.seen = False
            try:
                text = env.get_template(f"{name}.j2").render(variables, output_file=name)
            except jinja2.TemplateError as exc:
                raise UserError(f"template {ctx.device.platform}/{name}.j2 failed for "
                                f"{ctx.device.name}: {exc}") from None
            except UnsafeValue as exc:
                raise _refused(ctx, name, exc) from None
            if text.strip():
                secret = self._keys.seen or (keyed and KEY_SHAPE.search(text) is not None) \
                    or (pem_keyed and PEM_KEY in text)
                out[name] = SecretText(text) if secret else text
        return out


def render(plan: FabricPlan, secret: Secret | None = None, *, redact: bool = False,
           options: RenderOptions | None = None, devices: set[str] | None = None
           ) -> Rendered:
    """Every device's files: {device: {file name: text}}, a file holding a key marked
    (`SecretText`). Needs the secret for PSK fabrics unless `redact` (keys become a
    placeholder)."""
    if needs_secret(plan.fabric, redact=redact) and secret is None:
        raise SecretMissing("rendering a PSK fabric needs the master secret: set "
                            "NETORCH_SECRET or pass --secret-file, or use --redact")
    renderer = Renderer(options)
    variables = renderer.options.variables()
    variables.update(platform_variables(plan, variables))
    with _plan_frozen():
        contexts = device_contexts(plan, secret, redact=redact, options=variables,
                                   devices=devices, pki=renderer.options.pki,
                                   pki_keys=renderer.options.pki_keys)
        return {ctx.device.name: renderer.render_device(ctx) for ctx in contexts}


@contextmanager
def _plan_frozen() -> Iterator[None]:
    """The objects that exist before rendering (the plan: ~1 million tracked objects at
    10,000 sites, its addresses among them) are left out of the collector's passes while
    rendering, which only adds text; garbage made while rendering is still collected.
    A caller that froze objects itself keeps managing them (nothing is done then)."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def platform_variables(plan: FabricPlan, options: dict[str, object]) -> dict[str, object]:
    """What the plan's platforms add to the template `options` (`Platform.variables`),
    e.g. the lab dataplane's tunnel endpoints; the caller's own options win."""
    found: dict[str, object] = {}
    for name in sorted({d.platform for d in plan.devices}):
        hook = registry()[name].template_variables()
        if hook is None:
            continue
        try:
            found.update(hook(plan, options))
        except UserError:
            raise
        except Exception as exc:  # a plugin's bug is reported as its own, not a traceback
            raise PluginError(f"platform {name}: its variables hook "
                              f"{registry()[name].variables} failed: "
                              f"{type(exc).__name__}: {exc}") from None
    return {k: v for k, v in found.items() if k not in options}


class UnsafeValue(ValueError):
    """A value the renderer refuses to write: it could end the statement it is in."""

    def __init__(self, value: str, char: str) -> None:
        super().__init__(f"{value!a} holds {char!a}")
        self.value = value
        self.char = char


class ShellQuoted(str):
    """A value already quoted for `sh` by the `sh` filter: a single shell word."""

    __slots__ = ()


def _sh(value: object) -> ShellQuoted:
    """One shell word, whatever `value` holds (`shlex.quote`)."""
    return ShellQuoted(shlex.quote(str(value)))


def _dq(value: object) -> str:
    r"""Text for inside a double-quoted Junos or FortiOS CLI string: backslash before
    every backslash and double quote.

    >>> _dq('a "b" \\ c')
    'a \\"b\\" \\\\ c'
    """
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return Key(escaped) if isinstance(value, Key) else escaped


def _refuse_invisible(text: str) -> None:
    """Raise `UnsafeValue` at the first line break, control, format or surrogate
    character of `text` (`INVISIBLE_CATEGORIES`: Unicode Cc, Cf, Cs, Zl, Zp)."""
    if text.isascii() and text.isprintable():
        return
    char = next((c for c in text if unicodedata.category(c) in INVISIBLE_CATEGORIES), None)
    if char is not None:
        raise UnsafeValue(text, char)


def _guard(platform: Platform, keys: _KeyWatch) -> Callable[..., object]:
    """The environment's `finalize`: every `{{ }}` value passes here before it is
    written. Nothing may hold a line break or control character; outside the `sh`
    filter, nothing may hold a separator of the file it is written to. A `Key` (as
    `tunnel.psk`, or through `dq`) marks the file as holding one (`keys.seen`)."""
    separators = {file: re.compile(f"[{re.escape(chars)}]")
                  for file, chars in platform.separators.items() if chars}

    @jinja2.pass_context
    def finalize(context: jinja2.runtime.Context, value: object) -> object:
        if type(value) is not str:  # most values are plain text: one test for them
            if not isinstance(value, str):
                return value
            if isinstance(value, Key):
                keys.seen = True
        if not (value.isascii() and value.isprintable()):  # the common case: no call
            _refuse_invisible(value)
        if separators and not isinstance(value, ShellQuoted):
            pattern = separators.get(context.parent.get("output_file", ""))
            found = pattern.search(value) if pattern else None
            if found:
                raise UnsafeValue(value, found.group())
        return value

    return finalize


def _refused(ctx: DeviceContext, file: str, exc: UnsafeValue) -> UserError:
    field_name = find_field(ctx.variables(), exc.value, exc.char)
    return UserError(f"refusing to render {ctx.device.platform}/{file} for device "
                     f"{ctx.device.name}: {field_name} holds {exc.char!a} (no line break, "
                     "control character or statement separator is written as data)")


# The address filters take the plan's typed values (an interface address, a prefix, an
# address) and, for a template's own literals, the same as text ("10.0.0.1/24"). Typed
# values go through no text (masks are cached by prefix length); text is parsed once.
Typed = ipaddress.IPv4Interface | ipaddress.IPv4Network | ipaddress.IPv4Address
AddressValue = Typed | str


def _ip(value: AddressValue) -> str:
    """The address alone: of an interface address, a prefix (its network address), or
    "address/len" text."""
    if isinstance(value, ipaddress.IPv4Address):  # an IPv4Interface is one too
        return _dotted(int(value))
    if isinstance(value, ipaddress.IPv4Network):
        return _dotted(int(value.network_address))
    return value.partition("/")[0]


def _netmask(value: AddressValue) -> str:
    return _parsed(value).netmask if isinstance(value, str) else _mask(_length(value))


def _prefixlen(value: AddressValue) -> int:
    return _parsed(value).prefixlen if isinstance(value, str) else _length(value)


def _network(value: AddressValue) -> str:
    if isinstance(value, str):
        return _parsed(value).network
    prefix = value.network if isinstance(value, ipaddress.IPv4Interface) else value
    return f"{_ip(prefix)}/{_length(value)}"


def _wildcard(value: AddressValue) -> str:
    return _parsed(value).wildcard if isinstance(value, str) else _hostmask(_length(value))


def _length(value: Typed) -> int:
    """The prefix length of a typed value (an address alone: 32)."""
    if isinstance(value, ipaddress.IPv4Interface):
        return value.network.prefixlen
    return value.prefixlen if isinstance(value, ipaddress.IPv4Network) else 32


def _dotted(value: int) -> str:
    """a.b.c.d of an IPv4 address given as its integer (~3x faster than `ipaddress`).

    >>> _dotted(1681915907)
    '100.64.0.3'
    """
    return socket.inet_ntoa(value.to_bytes(4, "big"))


@lru_cache(maxsize=33)
def _mask(length: int) -> str:
    return str(ipaddress.IPv4Network((0, length)).netmask)


@lru_cache(maxsize=33)
def _hostmask(length: int) -> str:
    return str(ipaddress.IPv4Network((0, length)).hostmask)


@dataclass(frozen=True)
class _Parsed:
    """What the filters give for one "address/len" text."""

    netmask: str
    prefixlen: int
    network: str
    wildcard: str


@lru_cache(maxsize=1 << 12)
def _parsed(value: str) -> _Parsed:
    iface = ipaddress.ip_interface(value)
    return _Parsed(str(iface.netmask), iface.network.prefixlen, str(iface.network),
                   str(iface.hostmask))


def _if_id(index: int) -> int:
    """The XFRM interface id of the tunnel with this pool index (0 means none)."""
    return index + 1


def _vni(index: int) -> int:
    """The lab dataplane's VXLAN id of the tunnel with this pool index."""
    return index + 1


def _lab_ifname(index: int) -> str:
    """The lab dataplane's VXLAN device of the tunnel with this pool index."""
    return f"vx{index}"


def _swan_section(value: str) -> str:
    """A swanctl/strongswan.conf section name: no dots or other separators."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", value)


def _swan_esp(esp: EspChoice) -> str:
    return swan_esp_name(esp)


FILTERS = {"ip": _ip, "netmask": _netmask, "prefixlen": _prefixlen, "network": _network,
           "wildcard": _wildcard, "if_id": _if_id, "vni": _vni, "lab_ifname": _lab_ifname,
           "swan_section": _swan_section, "swan_esp": _swan_esp, "sh": _sh, "dq": _dq}
