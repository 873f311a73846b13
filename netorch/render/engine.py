"""The Jinja2 environment, the template lookup chain, and rendering of whole fabrics."""

from __future__ import annotations

import ipaddress
import re
import shlex
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jinja2

from netorch import __version__
from netorch.errors import SecretMissing, UserError
from netorch.findings import INVISIBLE_CATEGORIES
from netorch.keys import Secret
from netorch.plan.model import EspChoice, FabricPlan
from netorch.plan.proposals import swan_esp_name
from netorch.platforms import Platform, registry
from netorch.render.context import DeviceContext, device_contexts, find_field

Rendered = dict[str, dict[str, str]]


@dataclass(frozen=True)
class RenderOptions:
    """How to render. `dataplane="lab"` asks linux_strongswan for the lab's
    VXLAN-over-userspace-IPsec dataplane instead of kernel XFRM interfaces."""

    dataplane: str = "kernel"
    template_dirs: tuple[Path, ...] = ()
    extra: dict[str, object] = field(default_factory=dict)

    def variables(self) -> dict[str, object]:
        return {"dataplane": self.dataplane, **self.extra}


def builtin_templates() -> Path:
    """netorch's own templates: shipped in the wheel, or the checkout's top level."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "_templates", here.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise UserError("netorch's templates are missing from this installation")


class Renderer:
    """Renders devices of any platform; one Jinja2 environment per platform."""

    def __init__(self, options: RenderOptions | None = None) -> None:
        self.options = options or RenderOptions()
        self._envs: dict[str, jinja2.Environment] = {}
        self._files: dict[str, list[str]] = {}

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
            finalize=_guard(plugin))
        env.filters.update(FILTERS)
        env.globals["netorch_version"] = __version__
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
        env = self.env(ctx.device.platform)
        out: dict[str, str] = {}
        variables = ctx.variables()
        for name in self.files(ctx.device.platform):
            try:
                text = env.get_template(f"{name}.j2").render(variables, output_file=name)
            except jinja2.TemplateError as exc:
                raise UserError(f"template {ctx.device.platform}/{name}.j2 failed for "
                                f"{ctx.device.name}: {exc}") from None
            except UnsafeValue as exc:
                raise _refused(ctx, name, exc) from None
            if text.strip():
                out[name] = text
        return out


def render(plan: FabricPlan, secret: Secret | None = None, *, redact: bool = False,
           options: RenderOptions | None = None, devices: set[str] | None = None
           ) -> Rendered:
    """Every device's files: {device: {file name: text}}. Needs the secret for PSK
    fabrics unless `redact` (keys become a placeholder)."""
    if plan.fabric.auth == "psk" and secret is None and not redact:
        raise SecretMissing("rendering a PSK fabric needs the master secret: set "
                            "NETORCH_SECRET or pass --secret-file, or use --redact")
    renderer = Renderer(options)
    variables = renderer.options.variables()
    if renderer.options.dataplane == "lab" and "endpoints" not in variables:
        variables["endpoints"] = lab_endpoints(plan)
    contexts = device_contexts(plan, secret, redact=redact, options=variables,
                               devices=devices)
    return {ctx.device.name: renderer.render_device(ctx) for ctx in contexts}


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
    return str(value).replace("\\", "\\\\").replace('"', '\\"')


def _refuse_invisible(text: str) -> None:
    """Raise `UnsafeValue` at the first line break, control, format or surrogate
    character of `text` (`INVISIBLE_CATEGORIES`: Unicode Cc, Cf, Cs, Zl, Zp)."""
    if text.isascii() and text.isprintable():
        return
    char = next((c for c in text if unicodedata.category(c) in INVISIBLE_CATEGORIES), None)
    if char is not None:
        raise UnsafeValue(text, char)


def _guard(platform: Platform) -> Callable[..., object]:
    """The environment's `finalize`: every `{{ }}` value passes here before it is
    written. Nothing may hold a line break or control character; outside the `sh`
    filter, nothing may hold a separator of the file it is written to."""
    separators = {file: re.compile(f"[{re.escape(chars)}]")
                  for file, chars in platform.separators.items() if chars}

    @jinja2.pass_context
    def finalize(context: jinja2.runtime.Context, value: object) -> object:
        if not isinstance(value, str):
            return value
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


def _ip(value: str) -> str:
    """The address of "address/len" (the plan's addresses are already validated)."""
    return value.partition("/")[0]


@lru_cache(maxsize=1 << 16)
def _netmask(value: str) -> str:
    return str(ipaddress.ip_interface(value).netmask)


@lru_cache(maxsize=1 << 16)
def _prefixlen(value: str) -> int:
    return ipaddress.ip_interface(value).network.prefixlen


@lru_cache(maxsize=1 << 16)
def _network(value: str) -> str:
    return str(ipaddress.ip_interface(value).network)


@lru_cache(maxsize=1 << 16)
def _wildcard(value: str) -> str:
    return str(ipaddress.ip_interface(value).hostmask)


def lab_endpoints(plan: FabricPlan) -> dict[str, dict[str, str]]:
    """The lab dataplane's tunnel endpoints: {device: {underlay: address}}, one /32 per
    device and underlay (netorch.lab.spec.endpoint), devices in plan order."""
    from netorch.lab.spec import endpoint

    underlays = sorted(plan.fabric.underlays)
    return {d.name: {k.underlay: str(endpoint(i, underlays.index(k.underlay)))
                     for k in d.links if k.underlay in underlays}
            for i, d in enumerate(plan.devices)}


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
