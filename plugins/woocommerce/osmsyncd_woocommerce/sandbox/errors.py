"""The error answers of the sandbox, shaped as WordPress shapes them."""

from __future__ import annotations

from typing import Any


class RestError(Exception):
    """An error answer: ``{"code", "message", "data": {"status", ...}}``.

    ``bare_data`` replaces the data object with a bare value, as the refund
    endpoint does when a gateway refuses (``"data": 500``).
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        bare_data: Any = None,
        **data: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.bare_data = bare_data
        self.data = data

    def body(self) -> dict[str, Any]:
        data: Any = self.bare_data
        if data is None:
            data = {"status": self.status, **self.data}
        return {"code": self.code, "message": self.message, "data": data}


def invalid_params(problems: dict[str, tuple[str, str, Any]]) -> RestError:
    """400 ``rest_invalid_param`` listing each field with its reason.

    ``problems`` maps a field to (detail code, message, detail data).
    """
    names = ", ".join(problems)
    return RestError(
        400,
        "rest_invalid_param",
        f"Invalid parameter(s): {names}",
        params={name: text for name, (_, text, _) in problems.items()},
        details={
            name: {"code": code, "message": text, "data": extra}
            for name, (code, text, extra) in problems.items()
        },
    )


def not_of_type(field: str, kind: str, param: str | None = None) -> RestError:
    """A field whose JSON type the schema refuses."""
    name = param or field
    text = f"{name} is not of type {kind}."
    return invalid_params({field: ("rest_invalid_type", text, {"param": name})})


def not_in_enum(field: str, allowed: list[str]) -> RestError:
    """A field whose value is not one the schema lists."""
    if len(allowed) > 1:
        listed = ", ".join(allowed[:-1]) + ", and " + allowed[-1]
    else:
        listed = allowed[0]
    text = f"{field} is not one of {listed}."
    return invalid_params({field: ("rest_not_in_enum", text, None)})


def out_of_bounds(field: str, text: str) -> RestError:
    return invalid_params({field: ("rest_out_of_bounds", text, None)})


def invalid_date(field: str) -> RestError:
    return invalid_params({field: ("rest_invalid_date", "Invalid date.", None)})


NO_ROUTE = RestError(
    404, "rest_no_route", "No route was found matching the URL and request method."
)
