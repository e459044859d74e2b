"""The plugin entry point: announces the ``woocommerce`` provider."""

from __future__ import annotations

import osmsyncd
from osmsyncd.provider import ProviderSpec
from osmsyncd_woocommerce.provider import create


@osmsyncd.hookimpl
def osmsyncd_providers() -> list[ProviderSpec]:
    return [
        ProviderSpec(
            name="woocommerce",
            factory=create,
            # The WooCommerce keys of DESIGN are core keys already; this one
            # lets a shop with a private certificate be verified.
            keys={"ca_file": str},
            description="WooCommerce 5.8 and later through its REST API (wc/v3)",
        )
    ]
