"""Customers both ways and articles into OSM, on MariaDB through the real CLI."""

from __future__ import annotations

import hashlib
import threading
from decimal import Decimal

import pytest
from osmsyncd_prestashop.sandbox import Sandbox as PrestaShop
from osmsyncd_woocommerce.sandbox import Sandbox as WooCommerce
from sqlalchemy import select

from osmsyncd.config import ConnectionSettings
from osmsyncd.demo.images import png
from osmsyncd.demo.shops import serve_folder
from osmsyncd.erp.models import MgArticoli
from osmsyncd.erp.models import ZzFiles
from osmsyncd.plugins import PluginHost
from osmsyncd.provider import ProductWrite
from osmsyncd.records import Article
from osmsyncd.records import Image
from tests.e2e.conftest import sync_json
from tests.e2e.conftest import write_config
from tests.e2e.conftest import writes
from tests.erp import osm as rows

pytestmark = pytest.mark.mysql

SHOPS = {"woocommerce": WooCommerce, "prestashop": PrestaShop}


@pytest.fixture(params=sorted(SHOPS))
def shop(request):
    with SHOPS[request.param](seed=11) as sandbox:
        sandbox.provider = request.param
        yield sandbox


def test_osm_customers_become_shop_accounts_once(osm, shop, tmp_path):
    """Customers with an e-mail get one shop account each, with their fiscal
    data; one without e-mail is left out; a second run writes nothing."""
    engine = osm.engine
    rows.osm_customer(
        engine,
        "Ferramenta Bianchi snc",
        "info@ferr-bianchi.example",
        p_iva="01234567890",
        indirizzo="Via Po 9",
        citta="Torino",
        cap="10100",
        provincia="TO",
    )
    rows.osm_customer(engine, "Bar Centrale", "Bar.Centrale@Example.com ")
    rows.osm_customer(engine, "Senza Posta srl", "")
    config = write_config(
        tmp_path, osm, shop.provider, shop.url, shop.token,
        export=["customers"], **{"import": []},
    )  # fmt: skip

    first = sync_json(config, "customers", "--export")
    second = sync_json(config, "customers", "--export")

    assert (first["created"], first["failed"], first["error"]) == (2, 0, None)
    assert (second["created"], second["updated"]) == (0, 0)
    assert writes(second) == 0
    emails = sorted(email.lower() for email in _shop_emails(shop))
    assert emails == ["bar.centrale@example.com", "info@ferr-bianchi.example"]


def test_shop_products_become_osm_articles_with_their_image(osm, shop, tmp_path):
    """Article import creates a product made in the shop as an OSM article,
    with the shop's image as its cover when local images are on; a rerun
    changes nothing."""
    _make_shop_product(shop, tmp_path)
    config = write_config(
        tmp_path, osm, shop.provider, shop.url, shop.token,
        export=[], local_images=True, **{"import": ["articles"]},
    )  # fmt: skip

    first = sync_json(config, "articles", "--import")
    second = sync_json(config, "articles", "--import")

    assert (first["created"], first["failed"], first["error"]) == (1, 0, None)
    assert (second["created"], second["updated"], second["failed"]) == (0, 0, 0)
    with osm.engine.connect() as db:
        article = db.execute(
            select(
                MgArticoli.id,
                MgArticoli.name,
                MgArticoli.prezzo_vendita,
                MgArticoli.qta,
            ).where(MgArticoli.codice == "SHOP-77")
        ).one()
        cover = db.scalar(
            select(ZzFiles.filename).where(
                ZzFiles.key == "cover", ZzFiles.id_record == article.id
            )
        )
    assert article.name == "Macchina espresso Napoli"
    assert article.prezzo_vendita == Decimal("149.000000")
    assert article.qta == Decimal("3")
    assert cover is not None
    assert (osm.files_dir / "articoli" / cover).read_bytes()[:4] == b"\x89PNG"


def _make_shop_product(shop, folder):
    """A product the shop owner made by hand in the shop, with a photo.

    WooCommerce fetches photos from a URL, so the photo is served from a
    folder laid out like OSM's files folder.
    """
    pictures = folder / "shop-files"
    (pictures / "articoli").mkdir(parents=True)
    picture = pictures / "articoli" / "napoli.png"
    picture.write_bytes(png((200, 40, 40)))
    article = Article(
        erp_id=1,
        code="SHOP-77",
        name="Macchina espresso Napoli",
        price=Decimal("149.00"),
        price_gross=Decimal("181.78"),
        quantity=3,
        images=(Image(picture, hashlib.sha256(picture.read_bytes()).hexdigest()),),
    )
    server = serve_folder(pictures)
    settings = ConnectionSettings(
        name="mano", provider=shop.provider, url=shop.url, token=shop.token,
        images_url=f"http://127.0.0.1:{server.server_address[1]}",
    )  # fmt: skip
    provider = (
        PluginHost.load().provider(shop.provider).factory(settings, threading.Event())
    )
    try:
        [outcome] = provider.write_products([ProductWrite(article)])
    finally:
        provider.close()
        server.shutdown()
    assert outcome.ok, outcome.error


def _shop_emails(shop):
    if shop.provider == "woocommerce":
        return [c["email"] for c in shop.state.customers.values()]
    return [row["email"] for row in shop.rows("customers") if row["email"]]


def _codes(osm):
    with osm.engine.connect() as db:
        return set(db.scalars(select(MgArticoli.codice)))
