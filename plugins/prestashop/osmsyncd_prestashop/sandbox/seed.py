"""What a freshly installed PrestaShop 8.2.1 (country Italy) holds.

Ids and values follow the recorded shop: languages it = 1 and en = 2, Italy
is country 10 with its provinces as states (Rome 211), the Italian VAT
rules groups 1 to 6, the free carrier 1, the order states 1 to 13 with their
flags and the ``PS_OS_*`` configuration keys that point at them.
"""

from __future__ import annotations

from osmsyncd_prestashop.sandbox.store import Store

SHOP_NAME = "OSM-Test-Shop"

LANGUAGES = (
    (1, "Italiano (Italian)", "it", "it-IT", "it", "d/m/Y", "d/m/Y H:i:s"),
    (2, "English (English)", "en", "en-US", "en-us", "m/d/Y", "m/d/Y H:i:s"),
)

CONFIGURATION = (
    (1, "PS_LANG_DEFAULT", "1"),
    (6, "PS_CURRENCY_DEFAULT", "1"),
    (7, "PS_COUNTRY_DEFAULT", "10"),
    (9, "PS_ORDER_OUT_OF_STOCK", "0"),
    (15, "PS_STOCK_MANAGEMENT", "1"),
    (66, "PS_TIMEZONE", "Europe/Rome"),
    (117, "PS_OS_CHEQUE", "1"),
    (118, "PS_OS_PAYMENT", "2"),
    (119, "PS_OS_PREPARATION", "3"),
    (120, "PS_OS_SHIPPING", "4"),
    (121, "PS_OS_DELIVERED", "5"),
    (122, "PS_OS_CANCELED", "6"),
    (123, "PS_OS_REFUND", "7"),
    (124, "PS_OS_ERROR", "8"),
    (125, "PS_OS_OUTOFSTOCK", "9"),
    (126, "PS_OS_BANKWIRE", "10"),
    (127, "PS_OS_WS_PAYMENT", "11"),
    (128, "PS_OS_OUTOFSTOCK_PAID", "9"),
    (129, "PS_OS_OUTOFSTOCK_UNPAID", "12"),
    (130, "PS_OS_COD_VALIDATION", "13"),
    (151, "PS_SHOP_DEFAULT", "1"),
    (155, "PS_ADVANCED_STOCK_MANAGEMENT", "0"),
    (245, "PS_HOME_CATEGORY", "2"),
    (246, "PS_ROOT_CATEGORY", "1"),
    (284, "PS_PRODUCT_SHORT_DESC_LIMIT", "800"),
    (298, "PS_ENABLE_BACKORDER_STATUS", "0"),
    (301, "PS_SHOP_NAME", SHOP_NAME),
    (302, "PS_WEBSERVICE", "1"),
    (303, "PS_ROUND_TYPE", "2"),
    (304, "PS_PRICE_ROUND_MODE", "2"),
)

TAXES = (
    (1, "22", "IVA IT 22%"), (2, "10", "IVA IT 10%"), (3, "5", "IVA IT 5%"),
    (4, "4", "IVA IT 4%"), (5, "0", "IVA IT 0%"), (6, "20", "USt. AT 20%"),
    (7, "21", "TVA BE 21%"), (8, "20", "ДДС BG 20%"), (9, "19", "ΦΠΑ CY 19%"),
    (10, "21", "DPH CZ 21%"), (11, "19", "MwSt. DE 19%"), (12, "25", "moms DK 25%"),
    (13, "20", "km EE 20%"), (14, "21", "IVA ES 21%"), (15, "24", "ALV FI 24%"),
    (16, "20", "TVA FR 20%"), (17, "20", "VAT UK 20%"), (18, "24", "ΦΠΑ GR 24%"),
    (19, "25", "Croatia PDV 25%"), (20, "27", "ÁFA HU 27%"), (21, "23", "VAT IE 23%"),
    (22, "21", "PVM LT 21%"), (23, "17", "TVA LU 17%"), (24, "21", "PVN LV 21%"),
    (25, "20", "TVA MC 20%"), (26, "18", "VAT MT 18%"), (27, "21", "BTW NL 21%"),
    (28, "23", "PTU PL 23%"), (29, "23", "IVA PT 23%"), (30, "19", "TVA RO 19%"),
    (31, "25", "Moms SE 25%"), (32, "22", "DDV SI 22%"), (33, "20", "DPH SK 20%"),
)  # fmt: skip

TAX_RULE_GROUPS = (
    (1, "IT Standard Rate (22%)"),
    (2, "IT Reduced Rate (10%)"),
    (3, "IT Reduced Rate (5%)"),
    (4, "IT Reduced Rate (4%)"),
    (5, "IT Zero Rate (0%)"),
    (6, "EU VAT For Virtual Products"),
)

# (rule id, group, tax) for Italy; other countries' rules are left out.
ITALIAN_TAX_RULES = (
    (13, 1, 1),
    (42, 2, 2),
    (71, 3, 3),
    (100, 4, 4),
    (129, 5, 5),
    (146, 6, 1),
)
NEXT_TAX_RULE = 175

ZONES = (
    (1, "Europe"), (2, "North America"), (3, "Asia"), (4, "Africa"), (5, "Oceania"),
    (6, "South America"), (7, "Europe (non-EU)"), (8, "Central America/Antilla"),
)  # fmt: skip

# id, iso, zone, call prefix, zip format, Italian name, English name
COUNTRIES = (
    (1, "DE", 1, 49, "NNNNN", "Germania", "Germany"),
    (2, "AT", 1, 43, "NNNN", "Austria", "Austria"),
    (3, "BE", 1, 32, "NNNN", "Belgio", "Belgium"),
    (4, "CA", 2, 1, "LNL NLN", "Canada", "Canada"),
    (5, "CN", 3, 86, "NNNNNN", "Cina", "China"),
    (6, "ES", 1, 34, "NNNNN", "Spagna", "Spain"),
    (7, "FI", 1, 358, "NNNNN", "Finlandia", "Finland"),
    (8, "FR", 1, 33, "NNNNN", "Francia", "France"),
    (9, "GR", 1, 30, "NNNNN", "Grecia", "Greece"),
    (10, "IT", 1, 39, "NNNNN", "Italia", "Italy"),
    (11, "JP", 3, 81, "NNN-NNNN", "Giappone", "Japan"),
    (12, "LU", 1, 352, "NNNN", "Lussemburgo", "Luxemburg"),
    (13, "NL", 1, 31, "NNNN LL", "Paesi Bassi", "Netherlands"),
    (14, "PL", 1, 48, "NN-NNN", "Polonia", "Poland"),
    (15, "PT", 1, 351, "NNNN-NNN", "Portogallo", "Portugal"),
    (16, "CZ", 1, 420, "NNN NN", "Repubblica Ceca", "Czech Republic"),
    (17, "GB", 7, 44, "", "Regno Unito", "United Kingdom"),
    (18, "SE", 1, 46, "NNN NN", "Svezia", "Sweden"),
    (19, "CH", 7, 41, "NNNN", "Svizzera", "Switzerland"),
    (20, "DK", 1, 45, "NNNN", "Danimarca", "Denmark"),
    (21, "US", 2, 1, "NNNNN", "Stati Uniti", "United States"),
)

# Italian provinces in PrestaShop's order; their ids start at 126.
FIRST_PROVINCE_ID = 126
PROVINCES = (
    "AG Agrigento|AL Alessandria|AN Ancona|AO Aosta|AR Arezzo|AP Ascoli Piceno|"
    "AT Asti|AV Avellino|BA Bari|BT Barletta-Andria-Trani|BL Belluno|BN Benevento|"
    "BG Bergamo|BI Biella|BO Bologna|BZ Bolzano|BS Brescia|BR Brindisi|CA Cagliari|"
    "CL Caltanissetta|CB Campobasso|CI Carbonia-Iglesias|CE Caserta|CT Catania|"
    "CZ Catanzaro|CH Chieti|CO Como|CS Cosenza|CR Cremona|KR Crotone|CN Cuneo|"
    "EN Enna|FM Fermo|FE Ferrara|FI Firenze|FG Foggia|FC Forlì-Cesena|FR Frosinone|"
    "GE Genova|GO Gorizia|GR Grosseto|IM Imperia|IS Isernia|SP La Spezia|"
    "AQ L'Aquila|LT Latina|LE Lecce|LC Lecco|LI Livorno|LO Lodi|LU Lucca|"
    "MC Macerata|MN Mantova|MS Massa|MT Matera|VS Medio Campidano|ME Messina|"
    "MI Milano|MO Modena|MB Monza e della Brianza|NA Napoli|NO Novara|NU Nuoro|"
    "OG Ogliastra|OT Olbia-Tempio|OR Oristano|PD Padova|PA Palermo|PR Parma|"
    "PV Pavia|PG Perugia|PU Pesaro-Urbino|PE Pescara|PC Piacenza|PI Pisa|"
    "PT Pistoia|PN Pordenone|PZ Potenza|PO Prato|RG Ragusa|RA Ravenna|"
    "RC Reggio Calabria|RE Reggio Emilia|RI Rieti|RN Rimini|RM Roma|RO Rovigo|"
    "SA Salerno|SS Sassari|SV Savona|SI Siena|SR Siracusa|SO Sondrio|TA Taranto|"
    "TE Teramo|TR Terni|TO Torino|TP Trapani|TN Trento|TV Treviso|TS Trieste|"
    "UD Udine|VA Varese|VE Venezia|VB Verbano-Cusio-Ossola|VC Vercelli|VR Verona|"
    "VV Vibo Valentia|VI Vicenza|VT Viterbo"
).split("|")

# id, name, template, module, color, then flags: logable paid shipped delivery
# invoice send_email pdf_invoice
ORDER_STATES = (
    (1, "Awaiting check payment", "cheque", "ps_checkpayment", "#34209E", "0000010"),
    (2, "Payment accepted", "payment", "", "#3498D8", "1100111"),
    (3, "Processing in progress", "preparation", "", "#3498D8", "1101110"),
    (4, "Shipped", "shipped", "", "#01B887", "1111110"),
    (5, "Delivered", "", "", "#01B887", "1111100"),
    (6, "Canceled", "order_canceled", "", "#2C3E50", "0000010"),
    (7, "Refunded", "refund", "", "#01B887", "0000110"),
    (8, "Payment error", "payment_error", "", "#E74C3C", "0000010"),
    (9, "On backorder (paid)", "outofstock", "", "#3498D8", "0100110"),
    (10, "Awaiting bank wire payment", "bankwire", "ps_wirepayment", "#34209E",
     "0000010"),
    (11, "Remote payment accepted", "payment", "", "#3498D8", "1100110"),
    (12, "On backorder (not paid)", "outofstock", "", "#34209E", "0000010"),
    (13, "Awaiting Cash On Delivery validation", "cashondelivery", "ps_cashondelivery",
     "#34209E", "0000000"),
)  # fmt: skip

GROUPS = ((1, "Visitor"), (2, "Guest"), (3, "Customer"))

IMAGE_TYPES = (
    (1, "cart_default", 125),
    (2, "small_default", 98),
    (3, "medium_default", 452),
    (4, "home_default", 250),
    (5, "large_default", 800),
)


def _both(text: str) -> dict[int, str]:
    return {lang[0]: text for lang in LANGUAGES}


def seed(store: Store, installed: str) -> None:
    """Fill an empty store with a fresh shop installed at ``installed``."""
    for lang_id, name, iso, locale, code, lite, full in LANGUAGES:
        store.insert(
            "languages",
            {
                "id": lang_id, "name": name, "iso_code": iso, "locale": locale,
                "language_code": code, "active": "1", "is_rtl": "0",
                "date_format_lite": lite, "date_format_full": full,
            },
        )  # fmt: skip
    for row_id, name, value in CONFIGURATION:
        store.insert("configurations", {"id": row_id, "name": name, "value": value})
    _seed_taxes(store, installed)
    _seed_places(store)
    _seed_catalog(store, installed)
    _seed_orders_setup(store, installed)


def _seed_taxes(store: Store, installed: str) -> None:
    for tax_id, rate, name in TAXES:
        store.insert(
            "taxes",
            {"id": tax_id, "rate": f"{rate}.000", "active": "1", "deleted": "0",
             "name": _both(name)},
        )  # fmt: skip
    for group_id, name in TAX_RULE_GROUPS:
        store.insert(
            "tax_rule_groups",
            {"id": group_id, "name": name, "active": "1", "deleted": "0",
             "date_add": installed, "date_upd": installed},
        )  # fmt: skip
    for rule_id, group_id, tax_id in ITALIAN_TAX_RULES:
        store.insert(
            "tax_rules",
            {"id": rule_id, "id_tax_rules_group": str(group_id), "id_state": "0",
             "id_country": "10", "zipcode_from": "0", "zipcode_to": "0",
             "id_tax": str(tax_id), "behavior": "0", "description": ""},
        )  # fmt: skip
    store.set_next_id("tax_rules", NEXT_TAX_RULE)


def _seed_places(store: Store) -> None:
    for zone_id, name in ZONES:
        store.insert("zones", {"id": zone_id, "name": name, "active": "1"})
    for country_id, iso, zone, prefix, zip_format, italian, english in COUNTRIES:
        store.insert(
            "countries",
            {"id": country_id, "id_zone": str(zone), "id_currency": "0",
             "call_prefix": str(prefix), "iso_code": iso, "active": "1",
             "contains_states": "1" if iso == "IT" else "0",
             "need_identification_number": "0",
             "need_zip_code": "1" if zip_format else "0",
             "zip_code_format": zip_format, "display_tax_label": "1",
             "name": {1: italian, 2: english}},
        )  # fmt: skip
    store.set_next_id("countries", 245)
    for offset, province in enumerate(PROVINCES):
        iso, name = province.split(" ", 1)
        store.insert(
            "states",
            {"id": FIRST_PROVINCE_ID + offset, "id_zone": "1", "id_country": "10",
             "iso_code": iso, "name": name, "active": "1"},
        )  # fmt: skip
    store.insert(
        "currencies",
        {"id": 1, "names": {1: "euro", 2: "Euro"}, "name": "Euro",
         "symbol": _both("€"), "iso_code": "EUR", "numeric_iso_code": "978",
         "precision": "2", "conversion_rate": "1.000000", "deleted": "0",
         "active": "1", "unofficial": "0", "modified": "0", "pattern": _both("")},
    )  # fmt: skip
    store.insert(
        "shops",
        {"id": 1, "id_shop_group": "1", "id_category": "2", "active": "1",
         "deleted": "0", "name": SHOP_NAME, "color": "", "theme_name": "classic"},
    )  # fmt: skip


def _seed_catalog(store: Store, installed: str) -> None:
    for cat_id, parent, depth, root, name in (
        (1, 0, 0, "0", "Root"),
        (2, 1, 1, "1", "Home"),
    ):
        store.insert(
            "categories",
            {"id": cat_id, "id_parent": str(parent), "level_depth": str(depth),
             "active": "1", "id_shop_default": "1", "is_root_category": root,
             "position": "0", "date_add": installed, "date_upd": installed,
             "name": _both(name), "link_rewrite": _both(name.lower()),
             "description": _both(""), "additional_description": _both(""),
             "meta_title": _both(""), "meta_description": _both(""),
             "meta_keywords": _both("")},
        )  # fmt: skip
    for type_id, name, size in IMAGE_TYPES:
        store.insert(
            "image_types",
            {"id": type_id, "name": name, "width": str(size), "height": str(size),
             "categories": "0", "products": "1", "manufacturers": "0",
             "suppliers": "0", "stores": "0"},
        )  # fmt: skip


def _seed_orders_setup(store: Store, installed: str) -> None:
    for group_id, name in GROUPS:
        store.insert(
            "groups",
            {"id": group_id, "reduction": "0.00", "price_display_method": "0",
             "show_prices": "1", "date_add": installed, "date_upd": installed,
             "name": _both(name)},
        )  # fmt: skip
    for state_id, name, template, module, color, flags in ORDER_STATES:
        logable, paid, shipped, delivery, invoice, send_email, pdf = tuple(flags)
        store.insert(
            "order_states",
            {"id": state_id, "unremovable": "1", "delivery": delivery, "hidden": "0",
             "send_email": send_email, "module_name": module, "invoice": invoice,
             "color": color, "logable": logable, "shipped": shipped, "paid": paid,
             "pdf_delivery": "0", "pdf_invoice": pdf, "deleted": "0",
             "name": _both(name), "template": _both(template)},
        )  # fmt: skip
    store.insert(
        "carriers",
        {"id": 1, "deleted": "0", "is_module": "0", "id_reference": "1",
         "name": "Click and collect", "active": "1", "is_free": "1", "url": "",
         "shipping_handling": "0", "shipping_external": "0", "range_behavior": "0",
         "max_width": "0", "max_height": "0", "max_depth": "0",
         "max_weight": "0.000000", "grade": "0", "external_module_name": "",
         "need_range": "0", "position": "0", "delay": _both("Pick up in-store")},
    )  # fmt: skip
    # Customer 1 is the anonymous customer the installer creates for GDPR.
    store.set_next_id("customers", 2)
    store.set_next_id("addresses", 2)
