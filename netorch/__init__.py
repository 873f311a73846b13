"""netorch: one inventory to a secure, multi-vendor IKEv2/IPsec fabric."""

from __future__ import annotations

__version__ = "0.1.0"
