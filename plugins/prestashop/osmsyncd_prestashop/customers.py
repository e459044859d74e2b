"""Customer accounts and their addresses, both ways.

An account is found by e-mail before it is created, and a second non-guest
account with the same e-mail is never made (BR-23): an existing account,
guest or not, is taken over and updated. An OSM customer without e-mail is
not exported. The Italian fiscal data travels in the address: VAT number in
``vat_number``, fiscal code in ``dni``. The address osmsyncd writes carries
the alias ``OSM``; the customer's other addresses are left alone.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import structlog

from osmsyncd.errors import ShopError
from osmsyncd.provider import CustomerWrite
from osmsyncd.provider import Outcome
from osmsyncd.records import Address
from osmsyncd.records import Customer
from osmsyncd_prestashop.client import FILTER_SYNTAX
from osmsyncd_prestashop.client import PrestaShopClient
from osmsyncd_prestashop.client import bracket
from osmsyncd_prestashop.facts import ShopFacts
from osmsyncd_prestashop.mapping import comparable_text
from osmsyncd_prestashop.xml import Entity
from osmsyncd_prestashop.xml import FieldValue

log = structlog.get_logger(__name__)

ALIAS = "OSM"
CUSTOMER_GROUP = "3"
_NOT_IN_NAMES = re.compile(r"""[0-9!<>,;?=+()/\\@#"°*`{}_^$%:¤\[\]|]""")
_NOT_IN_PHONES = re.compile(r"[^+0-9. ()/-]")
_NOT_IN_DNI = re.compile(r"[^0-9A-Za-z.-]")


def person_name(*candidates: str) -> str:
    """The first candidate that survives PrestaShop's name rule, cleaned."""
    for candidate in candidates:
        cleaned = re.sub(r"\s+", " ", _NOT_IN_NAMES.sub(" ", candidate or "")).strip()
        if cleaned:
            return cleaned[:255]
    return "Cliente"


def find_accounts(client: PrestaShopClient, emails: Sequence[str]) -> dict[str, str]:
    """Account ids by e-mail (as given); a non-guest account wins over a guest."""
    wanted: dict[str, list[str]] = {}
    for email in emails:
        if email.strip():
            wanted.setdefault(email.strip().lower(), []).append(email)
    plain = [e for e in wanted if not FILTER_SYNTAX & set(e)]
    rows: list[dict[str, Any]] = []
    for start in range(0, len(plain), 50):
        rows.extend(
            client.select(
                "customers",
                display="[id,email,is_guest,deleted]",
                filters={"email": bracket(plain[start : start + 50])},
            )
        )
    best: dict[str, tuple[int, int, str]] = {}
    for row in rows:
        if str(row.get("deleted")) == "1":
            continue
        email = str(row.get("email") or "").strip().lower()
        rank = (
            1 if str(row.get("is_guest")) == "1" else 0,
            int(row["id"]),
            str(row["id"]),
        )
        if email in wanted and (email not in best or rank < best[email]):
            best[email] = rank
    found: dict[str, str] = {}
    for email, (_, _, shop_id) in best.items():
        for given in wanted[email]:
            found[given] = shop_id
    return found


@dataclass
class Places:
    """Country and province ids of the shop, by ISO code, read when needed."""

    client: PrestaShopClient

    def __post_init__(self) -> None:
        self._countries: dict[str, int] = {}
        self._states: dict[tuple[int, str], int] = {}

    def country(self, iso: str) -> int:
        code = (iso or "IT").upper()
        if code not in self._countries:
            rows = self.client.select(
                "countries", display="[id,iso_code]", filters={"iso_code": f"[{code}]"}
            )
            self._countries[code] = int(rows[0]["id"]) if rows else 0
        return self._countries[code]

    def state(self, country: int, iso: str) -> int:
        code = (iso or "").strip().upper()
        if not code or not code.isalnum():
            return 0
        if (country, code) not in self._states:
            rows = self.client.select(
                "states",
                display="[id,iso_code]",
                filters={"id_country": f"[{country}]", "iso_code": f"[{code}]"},
            )
            self._states[(country, code)] = int(rows[0]["id"]) if rows else 0
        return self._states[(country, code)]


class CustomerWriter:
    def __init__(self, client: PrestaShopClient, facts: ShopFacts) -> None:
        self.client = client
        self.facts = facts
        self.places = Places(client)

    def write(
        self,
        writes: Sequence[CustomerWrite],
        addresses: dict[str, str] | None = None,
    ) -> list[Outcome]:
        """Accounts and their ``OSM`` addresses; ``addresses`` receives the
        address id of each written customer, by outcome key."""
        outcomes: dict[str, Outcome] = {}
        pending: list[tuple[CustomerWrite, str | None]] = []
        for write in writes:
            key = str(write.customer.erp_id or write.customer.email)
            if not write.customer.identity:
                log.warning("customer_without_email_skipped", key=key)
                outcomes[key] = Outcome(
                    key=key,
                    error="the customer has no e-mail, which a PrestaShop account "
                    "needs; add one in OSM to export it",
                )
                continue
            pending.append((write, write.shop_id))

        lookup = [w.customer.email for w, shop_id in pending if not shop_id]
        existing = find_accounts(self.client, lookup) if lookup else {}
        resolved = [
            (w, shop_id or existing.get(w.customer.email)) for w, shop_id in pending
        ]
        ids = [shop_id for _, shop_id in resolved if shop_id]
        current = {str(r["id"]): r for r in self.client.by_ids("customers", ids)}
        ours = self._our_addresses(ids)

        for write, shop_id in resolved:
            key = str(write.customer.erp_id or write.customer.email)
            adopted = bool(shop_id) and not write.shop_id
            try:
                account = self._account(write.customer, current.get(str(shop_id)))
                address = self._address(write.customer, account, ours.get(account))
                if addresses is not None and address is not None:
                    addresses[key] = address
                outcomes[key] = Outcome(key=key, shop_id=account, adopted=adopted)
            except ShopError as exc:
                log.warning("customer_write_failed", key=key, error=str(exc))
                outcomes[key] = Outcome(key=key, shop_id=shop_id, error=str(exc))
        return [outcomes[str(w.customer.erp_id or w.customer.email)] for w in writes]

    def _our_addresses(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not ids:
            return {}
        rows = self.client.select(
            "addresses",
            filters={
                "id_customer": bracket(sorted(set(ids))),
                "deleted": "[0]",
                "alias": f"[{ALIAS}]",
            },
        )
        return {
            str(row["id_customer"]): row
            for row in sorted(rows, key=lambda r: int(r["id"]))
        }

    def _fields(self, customer: Customer) -> dict[str, FieldValue]:
        return {
            "firstname": person_name(customer.first_name, customer.company),
            "lastname": person_name(customer.last_name, customer.company),
            "email": customer.email.strip(),
            "company": customer.company.strip(),
        }

    def _account(self, customer: Customer, current: dict[str, Any] | None) -> str:
        wanted = self._fields(customer)
        if current is None:
            entity = Entity(
                "customer",
                {
                    **wanted,
                    "passwd": secrets.token_urlsafe(24),
                    "id_default_group": CUSTOMER_GROUP,
                    "id_lang": str(self.facts.default_language),
                    "active": "1",
                    "is_guest": "0",
                    "newsletter": "0",
                    "optin": "0",
                },
                {"groups": ("group", [{"id": CUSTOMER_GROUP}])},
            )
            echo = self.client.create("customers", entity)
            log.info("customer_created", shop_id=echo["id"])
            return str(echo["id"])
        changed = {
            name: value
            for name, value in wanted.items()
            if comparable_text(str(current.get(name) or ""))
            != comparable_text(str(value))
        }
        if changed:
            self.client.patch(
                "customers", Entity("customer", {"id": str(current["id"]), **changed})
            )
            log.info("customer_updated", shop_id=current["id"], fields=sorted(changed))
        return str(current["id"])

    def _address(
        self, customer: Customer, account: str, current: dict[str, Any] | None
    ) -> str | None:
        """Write the account's ``OSM`` address; its id, None when there is none."""
        source = customer.address or Address()
        if customer.address is None and not (
            customer.vat_number or customer.fiscal_code
        ):
            return str(current["id"]) if current is not None else None
        country = self.places.country(source.country)
        wanted: dict[str, str] = {
            "id_customer": account,
            "id_country": str(country),
            "id_state": str(self.places.state(country, source.province)),
            "alias": ALIAS,
            "company": (source.company or customer.company).strip(),
            "firstname": person_name(
                source.first_name, customer.first_name, customer.company
            ),
            "lastname": person_name(
                source.last_name, customer.last_name, customer.company
            ),
            "vat_number": (source.vat_number or customer.vat_number).strip(),
            "dni": _NOT_IN_DNI.sub("", source.fiscal_code or customer.fiscal_code)[:16],
            "address1": source.street.strip() or "-",
            "address2": source.street2.strip(),
            "postcode": source.postcode.strip(),
            "city": source.city.strip() or "-",
            "phone": _NOT_IN_PHONES.sub("", source.phone or customer.phone)[:32],
        }
        if current is None:
            echo = self.client.create("addresses", Entity("address", dict(wanted)))
            return str(echo["id"])
        changed: dict[str, FieldValue] = {
            name: value
            for name, value in wanted.items()
            if comparable_text(str(current.get(name) or "")) != comparable_text(value)
            and not (name == "id_state" and value == "0" and not current.get(name))
        }
        if changed:
            self.client.patch(
                "addresses", Entity("address", {"id": str(current["id"]), **changed})
            )
        return str(current["id"])
