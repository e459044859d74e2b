from __future__ import annotations

import json
import re
from contextlib import contextmanager

import pytest

from osmsyncd import cli
from osmsyncd import commands
from osmsyncd.errors import JobBusy
from osmsyncd.provider import Finding
from osmsyncd.sync.report import RunSummary
from tests.daemon.conftest import TOKEN
from tests.daemon.conftest import write_config

TWO_SHOPS = """
[connections.shop2]
provider = "example"
url = "https://two.invalid"
token = "other-token"
export = ["articles"]
"""


@pytest.fixture(autouse=True)
def _only_the_example(with_example, monkeypatch):
    monkeypatch.setenv("OSMSYNCD_DISABLE_PLUGINS", "woocommerce,prestashop")
    monkeypatch.delenv("OSMSYNCD_CONFIG", raising=False)


@pytest.fixture
def config(tmp_path):
    return write_config(tmp_path / "osmsyncd.toml", extra=TWO_SHOPS)


class FakeEngine:
    """Stands in for osmsyncd.sync.run_job; counts as told."""

    def __init__(self, **counts) -> None:
        self.counts = counts
        self.calls = []

    def __call__(self, config, connection, resource, direction, *, options, **kw):
        self.calls.append((connection, str(resource), str(direction), options))
        if isinstance(self.counts.get(connection), Exception):
            raise self.counts[connection]
        summary = RunSummary(connection, resource, direction, run_id="r1")
        for name, value in self.counts.get(connection, {}).items():
            setattr(summary, name, value)
        return summary


@pytest.fixture
def engine(monkeypatch):
    def install(**counts) -> FakeEngine:
        fake = FakeEngine(**counts)
        monkeypatch.setattr(commands, "engine_run_job", lambda: fake)
        return fake

    return install


@pytest.mark.parametrize(
    "command",
    [
        ["run"],
        ["sync"],
        ["reload"],
        ["check"],
        ["status"],
        ["plugins"],
        ["erp", "setup"],
        ["erp", "teardown"],
        ["config", "init"],
        ["demo"],
    ],
)
def test_every_command_has_help_that_needs_no_config(command, capsys):
    """`--help` works for every command, with no config anywhere."""
    with pytest.raises(SystemExit) as done:
        cli.main(["--config", "/nonexistent/osmsyncd.toml", *command, "--help"])

    assert done.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: osmsyncd {' '.join(command)}")


def test_check_reports_three_mistakes_each_with_its_key(tmp_path, capsys):
    """`check` lists every config mistake with its key and exits 1."""
    config = write_config(tmp_path / "osmsyncd.toml", extra='colour = "red"')
    text = config.read_text().replace('"1s"', '"1 second"')
    config.write_text(text.replace('import = ["orders"]', 'import = ["order"]'))

    status = cli.main(["check", "--config", str(config)])

    lines = capsys.readouterr().out.splitlines()
    assert status == 1
    assert [line.split(":")[0] for line in lines] == [
        "FAIL  connections.shop1.import",
        "FAIL  connections.shop1.interval",
        "FAIL  connections.shop1.colour",
        f"FAIL  config {config}",
    ]
    assert lines[-1].endswith("3 problems, fix them first")


def test_check_probes_each_shop_and_the_database(config, monkeypatch, capsys):
    """`check` prints each finding with its fix; one failure makes exit 1."""

    @contextmanager
    def repository(config, *, migrate):
        assert migrate is False

        class Repository:
            def check(self):
                return [
                    Finding(False, "custom fields", "missing", "osmsyncd erp setup")
                ]

        yield Repository()

    monkeypatch.setattr(commands, "_repository", repository)

    status = cli.main(["--config", str(config), "check"])

    assert status == 1
    assert capsys.readouterr().out.splitlines() == [
        f"ok    config {config}",
        "FAIL  OSM database: custom fields: missing",
        "      fix: osmsyncd erp setup",
        "ok    shop1: memory shop: shop code s1",
        "ok    shop2: memory shop: shop code demo",
    ]


def test_check_of_one_connection_with_an_unreachable_database(config, capsys):
    """An unreachable database is one FAIL line; --connection limits the shops."""
    unreachable = 'url = "mysql+pymysql://osm@127.0.0.1:9/osm"'
    config.write_text(re.sub(r'url = "sqlite:[^"]*"', unreachable, config.read_text()))

    status = cli.main(["--config", str(config), "check", "--connection", "shop2"])

    lines = capsys.readouterr().out.splitlines()
    assert status == 1
    assert lines[1].startswith(
        "FAIL  OSM database: the OSM database at mysql+pymysql://osm@127.0.0.1:9/osm "
        "cannot be reached"
    )
    assert lines[2:] == ["ok    shop2: memory shop: shop code demo"]


def test_sync_json_prints_one_object_per_connection_and_nothing_else(
    config, engine, capsys
):
    """`sync --json` runs every connection with the job, one JSON line each."""
    fake = engine(shop1={"created": 2}, shop2={"updated": 1, "unchanged": 4})

    status = cli.main(
        ["--config", str(config), "sync", "articles", "--export", "--dry-run", "--json"]
    )

    lines = capsys.readouterr().out.splitlines()
    assert status == 0
    assert [c[:3] for c in fake.calls] == [
        ("shop1", "articles", "export"),
        ("shop2", "articles", "export"),
    ]
    assert fake.calls[0][3].dry_run is True and fake.calls[0][3].full is False
    objects = [json.loads(line) for line in lines]
    assert [(o["connection"], o["created"], o["updated"]) for o in objects] == [
        ("shop1", 2, 0),
        ("shop2", 0, 1),
    ]
    assert set(objects[0]) >= {"resource", "direction", "failed", "requests", "seconds"}


def test_sync_of_one_connection_prints_a_table_and_exit_3_on_failed_records(
    config, engine, capsys
):
    """Failed records give exit 3 and are listed with the shop's reason."""
    engine(shop1={"failed": 1, "failures": {"1001": "SKU already used"}})

    status = cli.main(
        [
            "--config",
            str(config),
            "sync",
            "orders",
            "--import",
            "--connection",
            "shop1",
            "--record",
            "1001",
        ]
    )

    head, row, failure = capsys.readouterr().out.splitlines()
    assert status == 3
    assert head.split()[:4] == ["connection", "resource", "direction", "created"]
    assert row.split()[:3] == ["shop1", "orders", "import"]
    assert failure == "shop1: record 1001 failed: SKU already used"


def test_sync_exits_1_when_a_run_failed(config, engine, capsys):
    """A run that failed as a whole is a failed command."""
    engine(shop2={"error": "shop answered 503"})

    status = cli.main(["--config", str(config), "sync", "articles", "--export"])

    assert status == 1
    assert "shop2: run failed: shop answered 503" in capsys.readouterr().out


def test_sync_of_a_busy_job_stops_at_once(config, engine, capsys):
    """A job running elsewhere ends the command with exit 1, saying so."""
    fake = engine(shop1=JobBusy("held"))

    status = cli.main(["--config", str(config), "sync", "articles", "--export"])

    assert status == 1
    assert len(fake.calls) == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        "osmsyncd: job shop1:articles:export is running elsewhere (the daemon or "
        "another sync); try again when it has finished"
    )


def test_sync_of_a_connection_without_that_job_names_the_key(config, engine, capsys):
    """Asking a connection for a job it lacks says which key adds it."""
    engine()

    status = cli.main(
        ["--config", str(config), "sync", "orders", "--import", "--connection", "shop2"]
    )

    assert status == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        'osmsyncd: connection shop2 does not import orders; add "orders" to '
        "connections.shop2.import"
    )


def test_status_is_2_when_a_job_failed_or_a_record_keeps_failing(
    config, monkeypatch, capsys
):
    """`status` exit code tells monitoring whether all is well."""
    runs = [
        {
            "connection": "shop1",
            "resource": "orders",
            "direction": "import",
            "started_at": "2025-03-01T10:00:00+00:00",
            "created": 1,
            "error": None,
        }
    ]
    failing: list[dict] = []

    @contextmanager
    def repository(config, *, migrate):
        class Repository:
            def last_runs(self):
                return runs

            def failing_records(self):
                return failing

        yield Repository()

    monkeypatch.setattr(commands, "_repository", repository)
    argv = ["--config", str(config), "status"]

    healthy = cli.main(argv)
    healthy_text = capsys.readouterr().out
    failing.append(
        {"job": "shop1:orders:import", "record": "77", "count": 5, "error": "bad"}
    )
    unhealthy = cli.main([*argv, "--json"])
    report = json.loads(capsys.readouterr().out)

    assert (healthy, unhealthy) == (0, 2)
    assert (
        "shop1:orders:import  2025-03-01T10:00:00+00:00  0.0      created 1, updated 0"
        in (healthy_text)
    )
    assert report["healthy"] is False and report["failing"][0]["record"] == "77"


def test_config_init_writes_once(tmp_path, capsys):
    """`config init PATH` writes a starter; a second time it refuses."""
    path = tmp_path / "new.toml"

    first = cli.main(["config", "init", str(path)])
    second = cli.main(["config", "init", str(path)])

    assert (first, second) == (0, 1)
    assert "[connections.shop]" in path.read_text()
    assert capsys.readouterr().err.strip() == (
        f"osmsyncd: {path}: already exists; edit it, or name another path"
    )


def test_erp_teardown_wants_yes(config, capsys):
    """Removing osmsyncd's tables needs --yes."""
    status = cli.main(["--config", str(config), "erp", "teardown"])

    assert status == 1
    assert "add --yes to do it" in capsys.readouterr().err


def test_an_unexpected_error_is_one_line_without_the_secret(config, engine, capsys):
    """A crash ends in one redacted line on stderr, not a traceback."""
    engine(shop1=RuntimeError(f"boom with {TOKEN}"))

    status = cli.main(["--config", str(config), "sync", "orders", "--import"])

    err = capsys.readouterr().err
    assert status == 1
    assert err.splitlines()[-1] == (
        "osmsyncd: unexpected RuntimeError: boom with ***; rerun with "
        "--log-level debug to log the traceback"
    )
    assert "Traceback" not in err and TOKEN not in err


def test_the_config_comes_from_the_environment_variable(config, monkeypatch, capsys):
    """Without --config, $OSMSYNCD_CONFIG names the file."""
    monkeypatch.setenv("OSMSYNCD_CONFIG", str(config))

    @contextmanager
    def repository(config, *, migrate):
        yield type("Healthy", (), {"check": lambda self: []})()

    monkeypatch.setattr(commands, "_repository", repository)

    status = cli.main(["check", "--connection", "shop1"])

    assert status == 0
    assert capsys.readouterr().out.splitlines()[0] == f"ok    config {config}"
