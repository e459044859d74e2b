"""A faithful, stateful fake of a PrestaShop 8.2.1 webservice.

Run it with ``python -m osmsyncd_prestashop.sandbox`` or use :class:`Sandbox`
in-process. It needs nothing beyond the standard library (and the
``openssl`` binary for ``--https``).
"""

from __future__ import annotations

from osmsyncd_prestashop.sandbox.faults import Fault
from osmsyncd_prestashop.sandbox.faults import parse_fault
from osmsyncd_prestashop.sandbox.server import Sandbox

__all__ = ["Fault", "Sandbox", "parse_fault"]
