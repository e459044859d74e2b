"""Reading ``osmsyncd.toml``: every key checked, every mistake reported at once.

:func:`load_config` is what the daemon and the commands call. It resolves
secrets (``token_file``, systemd credentials) so that the rest of osmsyncd
only ever sees :class:`~osmsyncd.config.Config`. Each problem names its key
path and what to write instead; warnings (a readable token file, a token
over plain HTTP, TLS checks turned off) are logged at every load.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from typing import Protocol

import structlog
import tomli_w
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from osmsyncd.config import Config
from osmsyncd.config import ConnectionSettings
from osmsyncd.config import ErpSettings
from osmsyncd.configkeys import CONNECTION_KEYS
from osmsyncd.configkeys import CONNECTION_SECRET_KEYS
from osmsyncd.configkeys import DATABASE_DRIVERS
from osmsyncd.configkeys import ERP_KEYS
from osmsyncd.configkeys import NAME_PATTERN
from osmsyncd.configkeys import TOKEN_KEYS
from osmsyncd.configkeys import TOP_KEYS
from osmsyncd.configkeys import Converter
from osmsyncd.configkeys import InvalidValue
from osmsyncd.configkeys import as_text
from osmsyncd.configkeys import connection_keys
from osmsyncd.configkeys import converter_for
from osmsyncd.errors import ConfigError
from osmsyncd.provider import ProviderSpec

log = structlog.get_logger(__name__)


DEFAULT_PATH = Path("/etc/osmsyncd/osmsyncd.toml")


class ProviderCatalog(Protocol):
    """What the config check needs from the loaded plugins.

    :class:`osmsyncd.plugins.PluginHost` is one; tests may pass their own.
    """

    @property
    def providers(self) -> Mapping[str, ProviderSpec]: ...

    def missing_provider(self, name: str) -> str:
        """Why no provider of that name is available, and what to do."""
        ...


@dataclass(frozen=True)
class ConfigWarning:
    """Something in a valid config the operator should fix soon."""

    event: str
    key: str
    text: str


# -- the reader ----------------------------------------------------------------


class _Reader:
    """Collects problems and warnings while one document is checked."""

    def __init__(self, source: Path | None, environ: Mapping[str, str]) -> None:
        self.base = source.parent if source else Path.cwd()
        self.environ = environ
        self.problems: list[str] = []
        self.warnings: list[ConfigWarning] = []

    def problem(self, key: str, text: str) -> None:
        self.problems.append(f"{key}: {text}")

    def warn(self, event: str, key: str, text: str) -> None:
        self.warnings.append(ConfigWarning(event, key, text))

    def convert(self, key: str, converter: Converter, value: Any) -> Any:
        try:
            return converter(value)
        except InvalidValue as exc:
            self.problem(key, str(exc))
            return None

    def unknown(self, key: str, name: str, allowed: list[str]) -> None:
        close = difflib.get_close_matches(name, allowed, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "remove it"
        self.problem(f"{key}.{name}", f"unknown key; {hint}")

    def path(self, key: str, value: Any) -> Path | None:
        text: str | None = self.convert(key, as_text, value)
        if text is None:
            return None
        path = Path(text).expanduser()
        return path if path.is_absolute() else self.base / path

    def secret_file(self, key: str, value: Any) -> str | None:
        path = self.path(key, value)
        if path is None:
            return None
        try:
            secret = path.read_text(encoding="utf-8").strip()
            mode = path.stat()
        except OSError as exc:
            self.problem(
                key,
                f"cannot read {path} ({exc.strerror}); create the file with "
                "the secret alone, readable by the osmsyncd user",
            )
            return None

        if not secret:
            self.problem(key, f"{path} is empty; write the secret into it")
            return None

        # 0640 root:osmsyncd is the usual layout, so the daemon's own group
        # may read it; anyone else may not.
        readable_by_group = mode.st_mode & 0o040 and mode.st_gid != os.getegid()
        if mode.st_mode & 0o004 or readable_by_group:
            self.warn(
                "secret_file_readable",
                key,
                f"{path} can be read by other users; run chmod 600 {path}",
            )
        return secret

    def credential(self, key: str, value: Any) -> str | None:
        name: str | None = self.convert(key, as_text, value)
        if name is None:
            return None
        if "/" in name:
            self.problem(key, f"{name!r} is not a credential name; drop the path")
            return None

        folder = self.environ.get("CREDENTIALS_DIRECTORY", "")
        if not folder:
            self.problem(
                key,
                "$CREDENTIALS_DIRECTORY is not set; run osmsyncd from its "
                f"systemd unit with LoadCredential={name}, or use a *_file key",
            )
            return None
        path = Path(folder) / name
        try:
            secret = path.read_text(encoding="utf-8").strip()
        except OSError:
            self.problem(
                key,
                f"no credential {name!r} in $CREDENTIALS_DIRECTORY; add "
                f"LoadCredential={name} to the unit and put the secret in "
                f"/etc/credstore/{name}",
            )
            return None
        if not secret:
            self.problem(key, f"credential {name!r} is empty")
            return None
        return secret


# -- the document --------------------------------------------------------------


def check_config(
    data: Mapping[str, Any],
    *,
    plugins: ProviderCatalog | None = None,
    source: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[Config, list[ConfigWarning]]:
    """Check a parsed document; the config and its warnings, or ConfigError.

    Without ``plugins`` provider names are not checked and provider keys
    beyond the core ones are refused.
    """
    reader = _Reader(source, os.environ if environ is None else environ)

    for name in data:
        if name not in TOP_KEYS:
            close = difflib.get_close_matches(name, TOP_KEYS, n=1)
            hint = f"did you mean [{close[0]}]?" if close else "remove it"
            reader.problem(name, f"unknown section; {hint}")

    erp = _check_erp(reader, data.get("erp"))
    connections = _check_connections(reader, data.get("connections"), plugins)
    plugin_tables = _check_plugin_tables(reader, data.get("plugins", {}))

    if reader.problems or erp is None:
        raise ConfigError(reader.problems)
    config = Config(
        erp=erp, connections=connections, plugins=plugin_tables, source=source
    )
    return config, reader.warnings


def read_config(
    path: Path,
    *,
    plugins: ProviderCatalog | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[Config, list[ConfigWarning]]:
    """Parse and check one TOML file; the config and its warnings."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(
            [
                f"{path}: no such file; write one with `osmsyncd config init "
                f"{path}` or name another with --config or $OSMSYNCD_CONFIG"
            ]
        ) from None
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read it ({exc.strerror})"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: not valid TOML: {exc}"]) from None
    return check_config(data, plugins=plugins, source=path, environ=environ)


def load_config(path: Path, plugins: ProviderCatalog | None = None) -> Config:
    """Read the config the daemon and commands run with; log its warnings."""
    config, warnings = read_config(path, plugins=plugins)
    for warning in warnings:
        log.warning(warning.event, key=warning.key, problem=warning.text)
    return config


def secrets_of(config: Config) -> list[str]:
    """Every secret the config holds, for the log redaction."""
    found = [config.erp.password]
    for settings in config.connections.values():
        found += [settings.token, settings.media_password]
    return [secret for secret in found if secret]


def _check_erp(reader: _Reader, table: Any) -> ErpSettings | None:
    if not isinstance(table, dict):
        reader.problem(
            "erp",
            "missing; add an [erp] table with url = "
            '"mysql+pymysql://osmsyncd@localhost/openstamanager"',
        )
        return None

    for name in table:
        if name not in ERP_KEYS:
            reader.unknown("erp", name, list(ERP_KEYS))

    url = _check_database_url(reader, table.get("url"))

    password = None
    if "password_file" in table and "password_credential" in table:
        reader.problem(
            "erp.password_file",
            "give either password_file or password_credential, not both",
        )
    elif "password_file" in table:
        password = reader.secret_file("erp.password_file", table["password_file"])
    elif "password_credential" in table:
        password = reader.credential(
            "erp.password_credential", table["password_credential"]
        )

    files_dir = None
    if "files_dir" in table:
        files_dir = reader.path("erp.files_dir", table["files_dir"])

    if url is None:
        return None
    return ErpSettings(url=url, password=password, files_dir=files_dir)


def _check_database_url(reader: _Reader, value: Any) -> str | None:
    key = "erp.url"
    if value is None:
        reader.problem(
            key,
            'missing; write e.g. "mysql+pymysql://osmsyncd@localhost/openstamanager"',
        )
        return None
    text: str | None = reader.convert(key, as_text, value)
    if text is None:
        return None

    try:
        parsed = make_url(text)
    except ArgumentError:
        reader.problem(
            key,
            "not a database URL; write e.g. "
            '"mysql+pymysql://osmsyncd@localhost/openstamanager"',
        )
        return None
    if parsed.get_backend_name() not in DATABASE_DRIVERS:
        reader.problem(
            key, f"{parsed.drivername!r} is not supported; use mysql+pymysql://"
        )
        return None
    if parsed.password:
        reader.problem(
            key,
            "the URL holds a password; remove it and put the password in a "
            "file named by erp.password_file (or erp.password_credential)",
        )
        return None
    return text


def _check_connections(
    reader: _Reader, tables: Any, plugins: ProviderCatalog | None
) -> dict[str, ConnectionSettings]:
    if not isinstance(tables, dict) or not tables:
        reader.problem(
            "connections",
            "no shop configured; add a [connections.NAME] table with "
            "provider, url and token_file",
        )
        return {}

    connections = {}
    for name, table in tables.items():
        key = f"connections.{name}"
        if not NAME_PATTERN.match(name):
            reader.problem(
                key, "a connection name uses only letters, digits, _, . and -"
            )
            continue
        if not isinstance(table, dict):
            reader.problem(key, "not a table; write it as [connections.NAME]")
            continue
        settings = _check_connection(reader, key, name, table, plugins)
        if settings is not None:
            connections[name] = settings
    return connections


def _check_connection(
    reader: _Reader,
    key: str,
    name: str,
    table: dict[str, Any],
    plugins: ProviderCatalog | None,
) -> ConnectionSettings | None:
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    spec = _provider_spec(reader, key, table.get("provider"), plugins)
    declared = dict(spec.keys) if spec else {}

    for item, value in table.items():
        if item in CONNECTION_KEYS:
            converter, field = CONNECTION_KEYS[item]
            values[field] = reader.convert(f"{key}.{item}", converter, value)
        elif item in declared:
            extra[item] = reader.convert(
                f"{key}.{item}", converter_for(declared[item]), value
            )
        elif item in CONNECTION_SECRET_KEYS:
            continue
        elif owners := _providers_declaring(item, plugins):
            reader.problem(
                f"{key}.{item}",
                f"only {' and '.join(owners)} connections use this key; remove it",
            )
        else:
            reader.unknown(key, item, [*connection_keys(), *declared])

    token = _check_token(reader, key, table)
    if "media_password_file" in table:
        values["media_password"] = reader.secret_file(
            f"{key}.media_password_file", table["media_password_file"]
        )

    for required in ("provider", "url"):
        if required not in table:
            reader.problem(f"{key}.{required}", "missing; this key is required")
    _warn_on_transport(reader, key, values)

    if token is None or None in (*values.values(), *extra.values()):
        return None
    if "provider" not in values or "url" not in values:
        return None
    return ConnectionSettings(name=name, token=token, extra=extra, **values)


def _providers_declaring(key: str, plugins: ProviderCatalog | None) -> list[str]:
    if plugins is None:
        return []
    return sorted(name for name, spec in plugins.providers.items() if key in spec.keys)


def _provider_spec(
    reader: _Reader, key: str, value: Any, plugins: ProviderCatalog | None
) -> ProviderSpec | None:
    if plugins is None or not isinstance(value, str) or not value.strip():
        return None
    spec = plugins.providers.get(value.strip())
    if spec is None:
        reader.problem(f"{key}.provider", plugins.missing_provider(value.strip()))
    return spec


def _check_token(reader: _Reader, key: str, table: dict[str, Any]) -> str | None:
    given = [item for item in TOKEN_KEYS if item in table]
    if len(given) != 1:
        what = "none is given" if not given else f"{' and '.join(given)} are given"
        reader.problem(
            f"{key}.token_file",
            f"give exactly one of token, token_file, token_credential ({what}); "
            "token_file is best",
        )
        return None

    item = given[0]
    if item == "token":
        token: str | None = reader.convert(f"{key}.token", as_text, table["token"])
        return token
    if item == "token_file":
        return reader.secret_file(f"{key}.token_file", table["token_file"])
    return reader.credential(f"{key}.token_credential", table["token_credential"])


def _warn_on_transport(reader: _Reader, key: str, values: dict[str, Any]) -> None:
    url = values.get("url")
    if isinstance(url, str) and url.startswith("http://"):
        reader.warn(
            "token_in_clear",
            f"{key}.url",
            "the shop is reached over plain http, so its token travels in "
            "clear; use https://",
        )
    if values.get("verify_tls") is False:
        reader.warn(
            "tls_verification_off",
            f"{key}.verify_tls",
            "the shop's certificate is not checked; remove verify_tls = false "
            "once the shop has a valid certificate",
        )


def _check_plugin_tables(reader: _Reader, tables: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(tables, dict):
        reader.problem("plugins", "not a table; write [plugins.NAME] tables")
        return {}
    result = {}
    for name, table in tables.items():
        if not isinstance(table, dict):
            reader.problem(f"plugins.{name}", "not a table; write [plugins.NAME]")
            continue
        result[name] = table
    return result


# -- the starter file --------------------------------------------------------


def starter_config() -> dict[str, Any]:
    """What ``osmsyncd config init`` writes: one shop, secrets in files."""
    return {
        "erp": {
            "url": "mysql+pymysql://osmsyncd@localhost/openstamanager",
            "password_file": "/etc/osmsyncd/erp-password",
            "files_dir": "/var/www/openstamanager/files",
        },
        "connections": {
            "shop": {
                "provider": "woocommerce",
                "url": "https://shop.invalid",
                "token_file": "/etc/osmsyncd/shop.token",
                "import": ["orders"],
                "export": ["articles"],
                "interval": "10m",
            }
        },
    }


def write_starter(path: Path) -> None:
    """Write the starter config; an existing file is never replaced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = tomli_w.dumps(starter_config())
    try:
        # "x" refuses an existing file, so a config is never overwritten.
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise ConfigError(
            [f"{path}: already exists; edit it, or name another path"]
        ) from None
    path.chmod(0o640)
