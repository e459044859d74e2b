"""Customer export and import against a sandbox (BR-23, Italian fiscal data)."""

from __future__ import annotations

from ps_support import api

from osmsyncd.provider import CustomerWrite
from osmsyncd.records import Address
from osmsyncd.records import Customer


def _customer(erp_id=7, email="info@ferr-bianchi.example", **values):
    return Customer(
        email=email,
        first_name=values.pop("first_name", "Luca"),
        last_name=values.pop("last_name", "Bianchi"),
        company=values.pop("company", "Ferramenta Bianchi snc"),
        vat_number="IT01234567897",
        fiscal_code="BNCLCU80A01H501Y",
        erp_id=erp_id,
        address=Address(
            street="Via Roma 1",
            postcode="00184",
            city="Roma",
            province="RM",
            country="IT",
            phone="+39 06 1234567",
        ),
        **values,
    )


def test_a_customer_is_exported_with_its_fiscal_address(provider, sandbox):
    """The account and an OSM address with VAT number, fiscal code and province."""
    [outcome] = provider.write_customers([CustomerWrite(_customer())])
    assert outcome.ok and outcome.key == "7" and not outcome.adopted
    account = sandbox.row("customers", int(outcome.shop_id))
    assert (account["email"], account["firstname"], account["lastname"]) == (
        "info@ferr-bianchi.example", "Luca", "Bianchi",
    )  # fmt: skip
    assert account["company"] == "Ferramenta Bianchi snc"
    assert account["is_guest"] == "0" and account["passwd"].startswith("$2y$")
    [address] = [
        a for a in sandbox.rows("addresses") if a["id_customer"] == outcome.shop_id
    ]
    assert (address["alias"], address["vat_number"], address["dni"]) == (
        "OSM", "IT01234567897", "BNCLCU80A01H501Y",
    )  # fmt: skip
    assert (address["id_country"], address["id_state"], address["postcode"]) == (
        "10", "211", "00184",
    )  # fmt: skip


def test_an_account_with_the_same_email_is_taken_over(provider, sandbox):
    """BR-23: a guest account with the e-mail (any case) is adopted, not doubled."""
    guest = api(
        sandbox,
        "POST",
        "customers",
        "<prestashop><customer><firstname>Luca</firstname><lastname>Bianchi</lastname>"
        "<email>INFO@ferr-bianchi.example</email><passwd>x-guest-x</passwd>"
        "<is_guest>1</is_guest><active>1</active></customer></prestashop>",
    ).json()["customer"]["id"]
    assert provider.find_customers(["info@ferr-bianchi.example"]) == {
        "info@ferr-bianchi.example": str(guest)
    }
    [outcome] = provider.write_customers([CustomerWrite(_customer())])
    assert outcome.ok and outcome.adopted and outcome.shop_id == str(guest)
    accounts = [
        c
        for c in sandbox.rows("customers")
        if c["email"].lower() == "info@ferr-bianchi.example"
    ]
    assert len(accounts) == 1
    assert accounts[0]["company"] == "Ferramenta Bianchi snc"


def test_a_second_export_updates_instead_of_failing(provider, sandbox):
    """Exporting again with a new surname patches the account and its address."""
    [first] = provider.write_customers([CustomerWrite(_customer())])
    changed = _customer(last_name="Bianchi Rossi")
    [again] = provider.write_customers([CustomerWrite(changed, shop_id=first.shop_id)])
    assert again.ok and again.shop_id == first.shop_id
    assert sandbox.row("customers", int(first.shop_id))["lastname"] == "Bianchi Rossi"
    assert len(sandbox.rows("customers")) == 1
    assert len(sandbox.rows("addresses")) == 1


def test_a_customer_without_email_is_skipped(provider, sandbox):
    """A customer without e-mail gets no account and a failed outcome naming why."""
    outcomes = provider.write_customers(
        [CustomerWrite(_customer(erp_id=8, email="  ")), CustomerWrite(_customer())]
    )
    assert not outcomes[0].ok and "e-mail" in outcomes[0].error
    assert outcomes[1].ok
    assert len(sandbox.rows("customers")) == 1


def test_names_the_shop_refuses_are_cleaned(provider, sandbox):
    """Digits and symbols PrestaShop refuses in names are dropped, not sent."""
    [outcome] = provider.write_customers(
        [CustomerWrite(_customer(first_name="Luca2", last_name="B. (filiale)"))]
    )
    assert outcome.ok, outcome.error
    account = sandbox.row("customers", int(outcome.shop_id))
    assert (account["firstname"], account["lastname"]) == ("Luca", "B. filiale")


def test_changed_customers_come_back_with_their_fiscal_data(provider):
    """Customer import reads the account and the fiscal data of its address."""
    [outcome] = provider.write_customers([CustomerWrite(_customer())])
    pages = list(provider.changed_customers(None))
    [record] = [c for page in pages for c in page.records]
    assert record.shop_id == outcome.shop_id
    assert (record.vat_number, record.fiscal_code) == (
        "IT01234567897",
        "BNCLCU80A01H501Y",
    )
    assert record.address.province == "RM" and record.address.city == "Roma"
    assert pages[-1].cursor is not None
