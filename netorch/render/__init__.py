"""Render: the plan formatted into each device's configuration files by Jinja2 templates.

Templates only format; every decision is in the plan. A platform's template folder
holds one `<file>.j2` per output file (names starting with `_` are macros/partials);
a file that renders to nothing is not produced. User folders given with
`template_dirs` are searched before netorch's own, per platform.
"""

from __future__ import annotations

from netorch.render.context import DeviceContext, TunnelView, device_contexts
from netorch.render.engine import Renderer, RenderOptions, render
from netorch.render.write import WriteResult, select_devices, write_tree

__all__ = ["DeviceContext", "RenderOptions", "Renderer", "TunnelView", "WriteResult",
           "device_contexts", "render", "select_devices", "write_tree"]
