"""The plugins osmsyncd runs with, behind one typed facade over pluggy.

Plugins register under the ``osmsyncd`` entry-point group, the bundled
PrestaShop and WooCommerce providers included. Each is loaded on its own: a
plugin that fails to import or breaks a hook's contract is logged with its
distribution and version and skipped, unless a configured connection needs
its provider. Core code calls the methods of :class:`PluginHost`, never the
raw hook relay.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import EntryPoint
from importlib.metadata import entry_points
from typing import Any
from typing import TypeVar

import pluggy
import structlog

from osmsyncd import hookspecs
from osmsyncd.errors import PluginError
from osmsyncd.provider import ProviderSpec
from osmsyncd.records import Article
from osmsyncd.records import Customer
from osmsyncd.records import ShopOrder

log = structlog.get_logger(__name__)

GROUP = "osmsyncd"
BLOCKLIST_VARIABLE = "OSMSYNCD_DISABLE_PLUGINS"

R = TypeVar("R", Article, Customer, ShopOrder)


@dataclass(frozen=True)
class BrokenPlugin:
    """A plugin that could not be used, and why."""

    name: str
    distribution: str
    version: str
    error: str


@dataclass(frozen=True)
class _Origin:
    distribution: str
    version: str


class PluginHost:
    """The loaded plugins: their providers and the hooks osmsyncd calls."""

    def __init__(self, manager: pluggy.PluginManager) -> None:
        self.manager = manager
        self.broken: dict[str, BrokenPlugin] = {}
        self.providers: dict[str, ProviderSpec] = {}
        self._origins: dict[str, _Origin] = {}
        self._owners: dict[str, str] = {}

    # -- building ----------------------------------------------------------

    @classmethod
    def load(cls, blocklist: Iterable[str] = ()) -> PluginHost:
        """Load every installed plugin but those blocked by name.

        ``$OSMSYNCD_DISABLE_PLUGINS`` (names separated by commas) adds to
        ``blocklist``, for when a plugin breaks start-up.
        """
        host = cls(_manager())
        blocked = set(blocklist)
        blocked |= {
            name.strip()
            for name in os.environ.get(BLOCKLIST_VARIABLE, "").split(",")
            if name.strip()
        }

        for point in entry_points(group=GROUP):
            if point.name in blocked:
                log.debug("plugin_blocked", plugin=point.name)
                continue
            host._load_entry_point(point)

        host._collect_providers()
        log.debug(
            "plugins_loaded",
            plugins=sorted(name for name, _ in host.manager.list_name_plugin()),
            providers=sorted(host.providers),
        )
        return host

    @classmethod
    def with_plugins(cls, *plugins: object) -> PluginHost:
        """A host with exactly these plugin objects (modules or instances)."""
        host = cls(_manager())
        for plugin in plugins:
            name = getattr(plugin, "__name__", type(plugin).__name__)
            host._register(plugin, name, _Origin("", ""))
        host._collect_providers()
        return host

    def _load_entry_point(self, point: EntryPoint) -> None:
        origin = _Origin(
            point.dist.name if point.dist else "?",
            point.dist.version if point.dist else "?",
        )
        try:
            plugin = point.load()
        except Exception as exc:  # a plugin may fail in any way while importing
            self._mark_broken(point.name, origin, f"{type(exc).__name__}: {exc}")
            return
        self._register(plugin, point.name, origin)

    def _register(self, plugin: object, name: str, origin: _Origin) -> None:
        try:
            self.manager.register(plugin, name=name)
            self.manager.check_pending()
        except (pluggy.PluginValidationError, ValueError) as exc:
            if self.manager.is_registered(plugin):
                self.manager.unregister(plugin)
            self._mark_broken(name, origin, str(exc))
            return
        self._origins[name] = origin

    def _mark_broken(self, name: str, origin: _Origin, error: str) -> None:
        self.broken[name] = BrokenPlugin(
            name, origin.distribution, origin.version, error
        )
        log.error(
            "plugin_broken",
            plugin=name,
            distribution=origin.distribution,
            version=origin.version,
            error=error,
            fix=f"reinstall or upgrade it, or set {BLOCKLIST_VARIABLE}={name}",
        )

    def _collect_providers(self) -> None:
        for impl in self._impls("osmsyncd_providers"):
            name = impl.plugin_name
            try:
                specs = list(self._call(impl, "osmsyncd_providers", {}) or [])
                if not all(isinstance(spec, ProviderSpec) for spec in specs):
                    raise PluginError(
                        f"plugin {name}: osmsyncd_providers must return a list "
                        "of ProviderSpec"
                    )
            except (PluginError, TypeError) as exc:
                self._unregister_broken(name, str(exc))
                continue

            taken = [spec.name for spec in specs if spec.name in self.providers]
            if taken:
                owner = self._owners[taken[0]]
                self._unregister_broken(
                    name, f"provider {taken[0]!r} is already provided by {owner}"
                )
                continue
            for spec in specs:
                self.providers[spec.name] = spec
                self._owners[spec.name] = name

    def _unregister_broken(self, name: str, error: str) -> None:
        self.manager.unregister(name=name)
        origin = self._origins.pop(name, _Origin("", ""))
        self._mark_broken(name, origin, error)

    # -- providers ---------------------------------------------------------

    def provider(self, name: str) -> ProviderSpec:
        """The provider of that name, or PluginError saying what to install."""
        spec = self.providers.get(name)
        if spec is None:
            raise PluginError(self.missing_provider(name))
        return spec

    def missing_provider(self, name: str) -> str:
        """Why no provider ``name`` is available, and what to do about it."""
        broken = self.broken.get(name)
        if broken is not None:
            return (
                f"provider {name!r} comes from plugin {broken.name} "
                f"({broken.distribution} {broken.version}), which failed to "
                f"load: {broken.error}; reinstall or upgrade "
                f"{broken.distribution}"
            )
        installed = ", ".join(sorted(self.providers)) or "none"
        return (
            f"no installed plugin provides {name!r} (installed providers: "
            f"{installed}); install its plugin, e.g. pip install osmsyncd-{name}"
        )

    # -- records on their way ----------------------------------------------

    def article_fields(self, connection: str, article: Article) -> Article:
        """The article after every plugin's ``osmsyncd_article_fields``."""
        return self._apply_fields("osmsyncd_article_fields", connection, article)

    def customer_fields(self, connection: str, customer: Customer) -> Customer:
        """The customer after every plugin's ``osmsyncd_customer_fields``."""
        return self._apply_fields("osmsyncd_customer_fields", connection, customer)

    def order_fields(self, connection: str, order: ShopOrder) -> ShopOrder:
        """The order after every plugin's ``osmsyncd_order_fields``."""
        return self._apply_fields("osmsyncd_order_fields", connection, order)

    def keep_record(
        self, connection: str, resource: str, direction: str, record: object
    ) -> bool:
        """False when any plugin's ``osmsyncd_keep_record`` says so."""
        arguments = {
            "connection": connection,
            "resource": str(resource),
            "direction": str(direction),
            "record": record,
        }
        for impl in self._impls("osmsyncd_keep_record"):
            if self._call(impl, "osmsyncd_keep_record", arguments) is False:
                return False
        return True

    def run_finished(self, summary: dict[str, Any]) -> None:
        """Tell every plugin about a finished run; their failures are logged."""
        for impl in self._impls("osmsyncd_run_finished"):
            try:
                self._call(impl, "osmsyncd_run_finished", {"summary": dict(summary)})
            except PluginError as exc:
                log.error("plugin_hook_failed", plugin=impl.plugin_name, error=str(exc))

    def _apply_fields(self, hook: str, connection: str, record: R) -> R:
        # Each plugin sees the record as the plugins before it left it.
        kind = type(record).__name__.lower()
        if kind == "shoporder":
            kind = "order"
        for impl in self._impls(hook):
            changes = self._call(impl, hook, {"connection": connection, kind: record})
            if not changes:
                continue
            if not isinstance(changes, dict):
                raise PluginError(
                    f"plugin {impl.plugin_name}: {hook} returned "
                    f"{type(changes).__name__}, not a dict of field names"
                )
            known = {field.name for field in dataclasses.fields(record)}
            unknown = sorted(set(changes) - known)
            if unknown:
                raise PluginError(
                    f"plugin {impl.plugin_name}: {hook} returned unknown "
                    f"{type(record).__name__} fields {', '.join(unknown)}"
                )
            record = dataclasses.replace(record, **changes)
        return record

    def _impls(self, hook: str) -> list[pluggy.HookImpl]:
        # Wrappers make no sense around these hooks; they are left out.
        return [
            impl
            for impl in getattr(self.manager.hook, hook).get_hookimpls()
            if not (impl.wrapper or impl.hookwrapper)
        ]

    def _call(self, impl: pluggy.HookImpl, hook: str, arguments: dict[str, Any]) -> Any:
        # Called one by one, so that an error names the plugin that made it.
        try:
            return impl.function(*(arguments[name] for name in impl.argnames))
        except Exception as exc:  # a plugin's hook may fail in any way
            raise PluginError(
                f"plugin {impl.plugin_name} failed in {hook}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc

    # -- inventory ---------------------------------------------------------

    def inventory(self) -> list[dict[str, Any]]:
        """Every plugin: name, distribution, version, providers, hooks, error."""
        rows = []
        for name, plugin in sorted(self.manager.list_name_plugin()):
            origin = self._origins.get(name, _Origin("", ""))
            hooks = sorted(
                caller.name for caller in self.manager.get_hookcallers(plugin) or []
            )
            rows.append(
                {
                    "plugin": name,
                    "distribution": origin.distribution,
                    "version": origin.version,
                    "providers": sorted(
                        p for p, owner in self._owners.items() if owner == name
                    ),
                    "hooks": hooks,
                    "error": None,
                }
            )
        for broken in sorted(self.broken.values(), key=lambda b: b.name):
            rows.append(
                {
                    "plugin": broken.name,
                    "distribution": broken.distribution,
                    "version": broken.version,
                    "providers": [],
                    "hooks": [],
                    "error": broken.error,
                }
            )
        return rows


def _manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager(GROUP)
    manager.add_hookspecs(hookspecs)
    return manager
