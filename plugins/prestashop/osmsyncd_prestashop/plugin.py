"""The plugin entry point: announces the ``prestashop`` provider."""

from __future__ import annotations

import osmsyncd
from osmsyncd.provider import ProviderSpec
from osmsyncd_prestashop.provider import create


@osmsyncd.hookimpl
def osmsyncd_providers() -> list[ProviderSpec]:
    return [
        ProviderSpec(
            name="prestashop",
            factory=create,
            description="PrestaShop 1.7 to 9 through its webservice",
        )
    ]
