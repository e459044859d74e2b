"""The PrestaShop provider for osmsyncd, with a sandbox shop to sync against."""

from __future__ import annotations

__version__ = "0.1.0"
