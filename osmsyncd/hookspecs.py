"""Every hook osmsyncd calls, for plugin authors.

Implement a hook with ``@osmsyncd.hookimpl`` in a module registered under
the ``osmsyncd`` entry-point group. Hooks are grouped by when they run;
each docstring says when it is called, what to return and how results
combine. ``docs/plugins.md`` has a worked example of each.
"""

from __future__ import annotations

from typing import Any

import pluggy

from osmsyncd.provider import ProviderSpec
from osmsyncd.records import Article
from osmsyncd.records import Customer
from osmsyncd.records import ShopOrder

hookspec = pluggy.HookspecMarker("osmsyncd")


# -- start-up --------------------------------------------------------------


@hookspec
def osmsyncd_providers() -> list[ProviderSpec]:
    """Announce the shop providers this plugin brings.

    Called once when plugins load. Return a list of :class:`ProviderSpec`;
    the lists of all plugins are joined, and two providers with one name are
    an error. Added in 0.1.
    """
    raise NotImplementedError


# -- records on their way ----------------------------------------------------


@hookspec
def osmsyncd_article_fields(connection: str, article: Article) -> dict[str, Any]:
    """Change or add article fields before the article is planned for export.

    Called once per article in scope, for each connection that exports
    articles. Return a dict of :class:`~osmsyncd.records.Article` field
    names to new values, or None to change nothing. Every plugin's dict is
    applied, later plugins last. Added in 0.1.
    """
    raise NotImplementedError


@hookspec
def osmsyncd_customer_fields(connection: str, customer: Customer) -> dict[str, Any]:
    """Change or add customer fields on the way in or out.

    Called once per customer read from either side. Return a dict of
    :class:`~osmsyncd.records.Customer` field names to new values, or None.
    Every plugin's dict is applied. Added in 0.1.
    """
    raise NotImplementedError


@hookspec
def osmsyncd_order_fields(connection: str, order: ShopOrder) -> dict[str, Any]:
    """Change or add order fields before a shop order is written to OSM.

    Called once per shop order read. Return a dict of
    :class:`~osmsyncd.records.ShopOrder` field names to new values, or None.
    Every plugin's dict is applied. Added in 0.1.
    """
    raise NotImplementedError


@hookspec
def osmsyncd_keep_record(
    connection: str, resource: str, direction: str, record: object
) -> bool:
    """Decide whether a record takes part in a run at all.

    Called once per record after the field hooks. Return False to leave the
    record out of this run (an exported article that is left out is hidden in
    the shop like any article that leaves the sync set), True or None to keep
    it. One False wins. Added in 0.1.
    """
    raise NotImplementedError


# -- after a run -------------------------------------------------------------


@hookspec
def osmsyncd_run_finished(summary: dict[str, Any]) -> None:
    """Hear about a finished run.

    Called once per run, real or dry, with the same mapping that
    ``osmsyncd sync --json`` prints (connection, resource, direction, counts,
    requests, seconds, plus ``dry_run`` and ``error``). The return value is
    ignored, and an exception is logged without failing the run. Added in 0.1.
    """
