"""The exceptions of osmsyncd, classified by what the daemon does about them.

The CLI turns each into one sentence for the operator; the engine uses the
class to decide between stopping a job, skipping a record and retrying.
"""

from __future__ import annotations


class OsmsyncdError(Exception):
    """Base of every error osmsyncd raises on purpose."""


class ConfigError(OsmsyncdError):
    """The configuration is wrong; ``problems`` lists every mistake found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class PluginError(OsmsyncdError):
    """A plugin failed to load or broke a hook's contract."""


class ErpError(OsmsyncdError):
    """The OSM database refused, or is not the schema osmsyncd expects."""


class ErpUnavailable(ErpError):
    """The OSM database cannot be reached now; the next run tries again."""


class ShopError(OsmsyncdError):
    """A shop answered with an error.

    ``transient`` errors (timeouts, 429, 5xx, truncated bodies) may succeed
    later; the others are the shop rejecting what was sent.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        transient: bool = False,
        hint: str = "",
    ) -> None:
        self.status = status
        self.code = code
        self.transient = transient
        self.hint = hint
        super().__init__(message)

    def __str__(self) -> str:
        head = super().__str__()
        parts = []
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.code:
            parts.append(str(self.code))
        text = f"{head} ({', '.join(parts)})" if parts else head
        return f"{text}; {self.hint}" if self.hint else text


class ShopUnavailable(ShopError):
    """The shop could not be reached or kept failing; the job tries later."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message, status=status, transient=True)


class JobBusy(OsmsyncdError):
    """The same job is already running elsewhere."""


class Interrupted(OsmsyncdError):
    """The daemon is stopping; the current wait was cut short."""
