"""The settings osmsyncd runs with, read from TOML and validated at once."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from osmsyncd.records import Resource


@dataclass(frozen=True)
class ErpSettings:
    url: str
    password: str | None = None
    files_dir: Path | None = None


@dataclass(frozen=True)
class ConnectionSettings:
    """One ``[connections.NAME]`` table, with secrets already resolved."""

    name: str
    provider: str
    url: str
    token: str
    auth: str = "auto"
    max_requests_per_second: float | None = None
    debug: bool = False
    categories: tuple[str, ...] = ()
    disable_zero_quantity: bool = False
    only_with_photo: bool = False
    local_images: bool = False
    import_: frozenset[Resource] = frozenset()
    export: frozenset[Resource] = frozenset()
    interval: float = 600.0
    orders_since: date | None = None
    stock_on_order_import: bool = True
    order_states: dict[str, str] = field(default_factory=dict)
    payment_methods: dict[str, str] = field(default_factory=dict)
    vat_exempt: str | None = None
    warehouses: tuple[str, ...] = ()
    conflict: str = "erp"
    verify_tls: bool = True
    concurrency: int = 4
    timeout: float = 30.0
    images_url: str | None = None
    media_user: str | None = None
    media_password: str | None = None
    barcode_meta_key: str | None = None
    customer_meta: dict[str, str] = field(default_factory=dict)
    tax_classes: dict[Decimal, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    erp: ErpSettings
    connections: dict[str, ConnectionSettings]
    plugins: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: Path | None = None
