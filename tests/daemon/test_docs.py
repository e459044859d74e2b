from __future__ import annotations

import dataclasses
import inspect
import re
from pathlib import Path

from osmsyncd import hookspecs
from osmsyncd.config import ConnectionSettings
from osmsyncd.config import ErpSettings
from osmsyncd.configkeys import CONNECTION_KEYS
from osmsyncd.configkeys import ERP_KEYS
from osmsyncd.configkeys import connection_keys

REPO = Path(__file__).resolve().parents[2]
CONFIGURATION = (REPO / "docs" / "configuration.md").read_text()
PLUGINS = (REPO / "docs" / "plugins.md").read_text()
EXAMPLE = (
    REPO / "tests" / "plugin_example" / "osmsyncd_example" / "__init__.py"
).read_text()
HOOKS = sorted(
    name
    for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
    if name.startswith("osmsyncd_")
)


def documented_keys(section: str) -> list[str]:
    """The first-column keys of the table under a ``## `[section]` `` heading."""
    body = CONFIGURATION.split(f"## `[{section}]`\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([a-z_]+)` \|", body, flags=re.MULTILINE)


def section(hook: str) -> str:
    parts = PLUGINS.split(f"### `{hook}`\n")
    assert len(parts) == 2, f"docs/plugins.md has no section for {hook}"
    return parts[1].split("\n### ", 1)[0].split("\n## ", 1)[0]


def test_every_erp_key_is_documented_and_every_documented_one_exists():
    """docs/configuration.md lists exactly the keys [erp] accepts."""
    assert documented_keys("erp") == list(ERP_KEYS)


def test_every_connection_key_is_documented_and_every_documented_one_exists():
    """docs/configuration.md lists exactly the keys a connection accepts."""
    assert sorted(documented_keys("connections.NAME")) == sorted(connection_keys())


def test_every_settings_field_is_filled_by_some_key():
    """No field of the config model lacks a key that sets it."""
    filled = {field for _converter, field in CONNECTION_KEYS.values()}
    filled |= {"name", "token", "media_password", "extra"}
    fields = {field.name for field in dataclasses.fields(ConnectionSettings)}
    erp_fields = {field.name for field in dataclasses.fields(ErpSettings)}

    assert fields == filled
    assert erp_fields == {"url", "password", "files_dir"}


def test_every_hook_has_a_section_with_the_working_example():
    """Each hook's section shows code that the installed example plugin runs."""
    assert HOOKS == [
        "osmsyncd_article_fields",
        "osmsyncd_customer_fields",
        "osmsyncd_keep_record",
        "osmsyncd_order_fields",
        "osmsyncd_providers",
        "osmsyncd_run_finished",
    ]
    for hook in HOOKS:
        code = re.findall(r"```python\n(.*?)```", section(hook), flags=re.DOTALL)
        assert code, f"the section of {hook} has no example"
        assert code[0] in EXAMPLE, f"the example of {hook} is not the plugin's code"
        assert f"def {hook}(" in code[0]


def test_every_hook_is_called_by_a_test():
    """Each hook has a test calling it, through the facade or the relay."""
    sources = "\n".join(
        path.read_text()
        for path in REPO.glob("**/tests/**/*.py")
        if ".venv" not in path.parts
        and "plugin_example" not in path.parts
        and path != Path(__file__)
    )
    for hook in HOOKS:
        short = hook.removeprefix("osmsyncd_")
        pattern = rf"\.{short}\b|\.hook\.{hook}\("
        assert re.search(pattern, sources), f"no test calls {hook}"
