"""osmsyncd: keeps OpenSTAManager in step with PrestaShop and WooCommerce."""

from __future__ import annotations

import pluggy

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("osmsyncd")

__all__ = ["__version__", "hookimpl"]
