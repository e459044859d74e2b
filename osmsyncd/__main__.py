"""``python -m osmsyncd``: the same as the ``osmsyncd`` command."""

from __future__ import annotations

import sys

from osmsyncd.cli import main

sys.exit(main())
