"""Bad config and bad command lines: one clear message each, exit 1 or 2.

Spot checks through the real command: every mistake of a config is named
with its key and its fix in one run; a command used wrongly says what it
lacks; nothing prints a trace.
"""

from __future__ import annotations

from tests.faults.runs import osmsyncd
from tests.faults.runs import write_config


def test_every_config_mistake_is_named_with_its_key_and_fix(tmp_path):
    """An unknown key, a wrong type and a missing token file are listed
    together, one line each naming the key and what to do, exit 1."""
    config = tmp_path / "osmsyncd.toml"
    config.write_text(
        "[erp]\n"
        f'url = "sqlite:///{tmp_path}/osm.sqlite"\n'
        'colour = "blu"\n'
        "[connections.negozio]\n"
        'provider = "prestashop"\n'
        'url = "https://shop.example"\n'
        f'token_file = "{tmp_path}/missing.token"\n'
        'timeout = "fast"\n'
        'export = ["articles"]\n'
    )

    done = osmsyncd(config, "sync", "articles", "--export")

    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert lines[0] == "osmsyncd: 3 problems in the config:"
    assert lines[1:] == [
        "  erp.colour: unknown key; remove it",
        "  connections.negozio.timeout: 'fast' is not a number; write e.g. 2.5",
        f"  connections.negozio.token_file: cannot read {tmp_path}/missing.token "
        "(No such file or directory); create the file with the secret alone, "
        "readable by the osmsyncd user",
    ]
    assert "Traceback" not in done.stderr


def test_sync_without_a_direction_says_which_flags_it_needs(tmp_path):
    """`sync articles` alone is refused by the parser naming --import and
    --export, before any config is read."""
    done = osmsyncd(tmp_path / "absent.toml", "sync", "articles")

    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "osmsyncd sync: error: one of the arguments --import --export is required"
    )


def test_an_unknown_connection_is_named_with_the_known_ones(tmp_path):
    """`--connection` with a name the config lacks fails in one line that
    lists the connections there are."""
    config = write_config(
        tmp_path,
        f"sqlite:///{tmp_path}/osm.sqlite",
        tmp_path / "files",
        "prestashop",
        "https://shop.example",
        "K" * 32,
    )

    done = osmsyncd(config, "sync", "articles", "--export", "--connection", "altro")

    assert done.returncode == 1
    said = [line for line in done.stderr.splitlines() if not line.startswith("{")]
    assert said == ["osmsyncd: no connection 'altro' in the config; known: negozio"]
