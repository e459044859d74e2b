"""A faithful, stateful fake WooCommerce shop for tests, demos and rehearsals.

Run it with ``python -m osmsyncd_woocommerce.sandbox`` or use
:class:`Sandbox` in-process. Standard library only.
"""

from __future__ import annotations

from osmsyncd_woocommerce.sandbox.server import Sandbox

__all__ = ["Sandbox"]
