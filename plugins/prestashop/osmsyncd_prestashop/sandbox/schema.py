"""The resources of the fake webservice: their fields, in PrestaShop's order.

Each resource is described by a small spec language, one token per field,
``name:kind[:option...]``, so that the field order, the validators and the
database defaults read like the synopsis PrestaShop 8.2 publishes.

Kinds: ``id`` and ``int`` (integers, 0 when NULL), ``none`` (never stored: it
reads NULL), ``bool``, ``d6``/``d3``/
``d2`` (decimals printed with that many places), ``str``, ``html`` (purified
text), ``date``, ``dt`` (date and time), ``lang`` and ``hlang`` (one value per
language, the second purified), ``virt`` (computed by a getter, never stored).
Options: ``req`` required, ``ro`` read-only, ``nf`` not filterable, ``null``
kept NULL by the database, ``s=N`` maximum size, ``f=NAME`` validator,
``l=RESOURCE`` the resource an ``xlink:href`` points at.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field

I18N_KINDS = frozenset({"lang", "hlang"})


@dataclass(frozen=True)
class Field:
    name: str
    kind: str = "str"
    fmt: str = ""
    required: bool = False
    size: int | None = None
    read_only: bool = False
    link: str = ""
    not_filterable: bool = False
    nullable: bool = False

    @property
    def i18n(self) -> bool:
        return self.kind in I18N_KINDS

    @property
    def virtual(self) -> bool:
        return self.kind == "virt"


@dataclass(frozen=True)
class Assoc:
    """An association rendered under ``<associations>``.

    ``api`` is empty for virtual entities (cart and order rows); ``link`` is
    the resource each item's ``xlink:href`` points at; ``fields`` maps each
    sub-field to the resource its own link points at ("" for none).
    """

    name: str
    node: str
    api: str
    link: str
    fields: tuple[tuple[str, str], ...]
    writable: bool = True


@dataclass(frozen=True)
class ResourceDef:
    name: str
    node: str
    klass: str
    description: str
    fields: tuple[Field, ...]
    assocs: tuple[Assoc, ...] = ()
    methods: frozenset[str] = frozenset(
        {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}
    )
    hidden: frozenset[str] = frozenset()
    by_name: dict[str, Field] = dataclass_field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        self.by_name.update({f.name: f for f in self.fields})

    def field(self, name: str) -> Field | None:
        return self.by_name.get(name)

    def assoc(self, name: str) -> Assoc | None:
        return next((a for a in self.assocs if a.name == name), None)


def parse_fields(spec: str) -> tuple[Field, ...]:
    """Fields from the spec language described in the module docstring."""
    fields = [Field("id", "id")]
    for token in spec.split():
        name, kind, *options = token.split(":")
        values: dict[str, object] = {}
        for option in options:
            key, _, value = option.partition("=")
            if key == "req":
                values["required"] = True
            elif key == "ro":
                values["read_only"] = True
            elif key == "nf":
                values["not_filterable"] = True
            elif key == "null":
                values["nullable"] = True
            elif key == "s":
                values["size"] = int(value)
            elif key == "f":
                values["fmt"] = value
            elif key == "l":
                values["link"] = value
            else:
                raise ValueError(f"unknown field option {option!r} in {token!r}")
        fields.append(Field(name, kind, **values))  # type: ignore[arg-type]
    return tuple(fields)


def simple_assoc(name: str, node: str, api: str) -> Assoc:
    return Assoc(name, node, api, api, (("id", ""),))


PRODUCT_FIELDS = """
id_manufacturer:id:f=isUnsignedId id_supplier:id:f=isUnsignedId
id_category_default:id:f=isUnsignedId:l=categories new:none
cache_default_attribute:id id_default_image:virt:nf
id_default_combination:virt:nf id_tax_rules_group:id:f=isUnsignedId:l=tax_rule_groups
position_in_category:virt:nf manufacturer_name:virt:nf:ro quantity:virt:nf:ro
type:virt:nf id_shop_default:id:f=isUnsignedId reference:str:s=64:f=isReference
supplier_reference:str:s=64:f=isReference location:str:s=255:f=isString
width:d6:f=isUnsignedFloat height:d6:f=isUnsignedFloat depth:d6:f=isUnsignedFloat
weight:d6:f=isUnsignedFloat quantity_discount:bool:f=isBool ean13:str:s=13:f=isEan13
isbn:str:s=32:f=isIsbn upc:str:s=12:f=isUpc mpn:str:s=40:f=isMpn
cache_is_pack:bool:f=isBool cache_has_attachments:bool:f=isBool
is_virtual:bool:f=isBool state:id:f=isUnsignedId
additional_delivery_times:id:f=isUnsignedId
delivery_in_stock:lang:s=255:f=isGenericName
delivery_out_stock:lang:s=255:f=isGenericName
product_type:str:f=isGenericName on_sale:bool:f=isBool online_only:bool:f=isBool
ecotax:d6:f=isPrice minimal_quantity:int:f=isPositiveInt
low_stock_threshold:int:null:f=isInt low_stock_alert:bool:f=isBool
price:d6:req:f=isPrice wholesale_price:d6:f=isPrice unity:str:f=isString
unit_price:d6:f=isPrice unit_price_ratio:d6 additional_shipping_cost:d6:f=isPrice
customizable:int:f=isUnsignedInt text_fields:int:f=isUnsignedInt
uploadable_files:int:f=isUnsignedInt active:bool:f=isBool redirect_type:str:f=isString
id_type_redirected:id:f=isUnsignedId available_for_order:bool:f=isBool
available_date:date:f=isDateFormat show_condition:bool:f=isBool
condition:str:f=isGenericName show_price:bool:f=isBool indexed:bool:f=isBool
visibility:str:f=isProductVisibility advanced_stock_management:bool:f=isBool
date_add:dt:f=isDate date_upd:dt:f=isDate pack_stock_type:int:f=isUnsignedInt
meta_description:lang:s=512:f=isGenericName meta_keywords:lang:s=255:f=isGenericName
meta_title:lang:s=255:f=isGenericName link_rewrite:lang:s=128:f=isLinkRewrite
name:lang:s=128:f=isCatalogName description:hlang:s=4194303:f=isCleanHtml
description_short:hlang:s=4194303:f=isCleanHtml
available_now:lang:s=255:f=isGenericName available_later:lang:s=255:f=IsGenericName
"""

PRODUCT_ASSOCS = (
    simple_assoc("categories", "category", "categories"),
    Assoc("images", "image", "images", "images", (("id", ""),), writable=False),
    simple_assoc("combinations", "combination", "combinations"),
    simple_assoc(
        "product_option_values", "product_option_value", "product_option_values"
    ),
    Assoc(
        "product_features",
        "product_feature",
        "product_features",
        "product_features",
        (("id", ""), ("id_feature_value", "product_feature_values")),
    ),
    simple_assoc("tags", "tag", "tags"),
    Assoc(
        "stock_availables",
        "stock_available",
        "stock_availables",
        "stock_availables",
        (("id", ""), ("id_product_attribute", "")),
        writable=False,
    ),
    simple_assoc("attachments", "attachment", "attachments"),
    Assoc("accessories", "product", "products", "products", (("id", ""),)),
    Assoc(
        "product_bundle",
        "product",
        "products",
        "products",
        (("id", ""), ("id_product_attribute", ""), ("quantity", "")),
    ),
)

CATEGORY_FIELDS = """
id_parent:id:f=isUnsignedInt:l=categories level_depth:int:f=isUnsignedInt
nb_products_recursive:virt:nf active:bool:req:f=isBool id_shop_default:id:f=isUnsignedId
is_root_category:bool:f=isBool position:int date_add:dt:f=isDate date_upd:dt:f=isDate
name:lang:req:s=128:f=isCatalogName link_rewrite:lang:req:s=128:f=isLinkRewrite
description:hlang:f=isCleanHtml additional_description:hlang:f=isCleanHtml
meta_title:lang:s=255:f=isGenericName meta_description:lang:s=512:f=isGenericName
meta_keywords:lang:s=255:f=isGenericName
"""

STOCK_FIELDS = """
id_product:id:req:f=isUnsignedId:l=products
id_product_attribute:id:req:f=isUnsignedId id_shop:id:f=isUnsignedId:l=shops
id_shop_group:id:f=isUnsignedId quantity:int:req:f=isInt
depends_on_stock:bool:req:f=isBool out_of_stock:int:req:f=isInt
location:str:s=255:f=isString
"""

CUSTOMER_FIELDS = """
id_default_group:id:l=groups id_lang:id:f=isUnsignedId:l=languages
newsletter_date_add:dt ip_registration_newsletter:str last_passwd_gen:dt:ro
secure_key:str:ro:f=isMd5 deleted:bool:f=isBool
passwd:str:req:s=255:f=isHashedPassword lastname:str:req:s=255:f=isCustomerName
firstname:str:req:s=255:f=isCustomerName email:str:req:s=255:f=isEmail
id_gender:id:f=isUnsignedId birthday:date:f=isBirthDate newsletter:bool:f=isBool
optin:bool:f=isBool website:str:f=isUrl company:str:f=isGenericName
siret:str:f=isGenericName ape:str:f=isApe outstanding_allow_amount:d6:f=isFloat
show_public_prices:bool:f=isBool id_risk:int:f=isUnsignedInt
max_payment_days:int:f=isUnsignedInt active:bool:f=isBool note:str:s=4194303
is_guest:bool:f=isBool id_shop:id:f=isUnsignedId id_shop_group:id:f=isUnsignedId
date_add:dt:f=isDate date_upd:dt:f=isDate reset_password_token:str:s=40:f=isSha1
reset_password_validity:dt:f=isDateOrNull
"""

ADDRESS_FIELDS = """
id_customer:id:f=isNullOrUnsignedId:l=customers id_manufacturer:id:f=isNullOrUnsignedId
id_supplier:id:f=isNullOrUnsignedId id_warehouse:id:f=isNullOrUnsignedId
id_country:id:req:f=isUnsignedId:l=countries id_state:id:f=isNullOrUnsignedId:l=states
alias:str:req:s=32:f=isGenericName company:str:s=255:f=isGenericName
lastname:str:req:s=255:f=isName firstname:str:req:s=255:f=isName
vat_number:str:f=isGenericName address1:str:req:s=128:f=isAddress
address2:str:s=128:f=isAddress postcode:str:s=12:f=isPostCode
city:str:req:s=64:f=isCityName other:str:s=4194303:f=isMessage
phone:str:s=32:f=isPhoneNumber phone_mobile:str:s=32:f=isPhoneNumber
dni:str:s=16:f=isDniLite deleted:bool:f=isBool date_add:dt:f=isDate date_upd:dt:f=isDate
"""

CART_FIELDS = """
id_address_delivery:id:f=isUnsignedId:l=addresses
id_address_invoice:id:f=isUnsignedId:l=addresses
id_currency:id:req:f=isUnsignedId:l=currencies
id_customer:id:f=isUnsignedId:l=customers id_guest:id:f=isUnsignedId
id_lang:id:req:f=isUnsignedId:l=languages id_shop_group:id:f=isUnsignedId
id_shop:id:f=isUnsignedId id_carrier:id:f=isUnsignedId recyclable:bool:f=isBool
gift:bool:f=isBool gift_message:str:f=isMessage mobile_theme:bool:f=isBool
delivery_option:str secure_key:str:s=32:f=isMd5 allow_seperated_package:bool:f=isBool
date_add:dt:f=isDate date_upd:dt:f=isDate
"""

ORDER_FIELDS = """
id_address_delivery:id:req:f=isUnsignedId:l=addresses
id_address_invoice:id:req:f=isUnsignedId:l=addresses
id_cart:id:req:f=isUnsignedId:l=carts
id_currency:id:req:f=isUnsignedId:l=currencies id_lang:id:req:f=isUnsignedId:l=languages
id_customer:id:req:f=isUnsignedId:l=customers
id_carrier:id:req:f=isUnsignedId:l=carriers
current_state:id:f=isUnsignedId:l=order_states module:str:req:f=isModuleName
invoice_number:int invoice_date:dt delivery_number:int delivery_date:dt valid:bool
date_add:dt:f=isDate date_upd:dt:f=isDate shipping_number:str:nf note:str:s=4194303
id_shop_group:id:f=isUnsignedId id_shop:id:f=isUnsignedId secure_key:str:f=isMd5
payment:str:req:f=isGenericName recyclable:bool:f=isBool gift:bool:f=isBool
gift_message:html:s=4194303:f=isCleanHtml mobile_theme:bool:f=isBool
total_discounts:d6:f=isPrice total_discounts_tax_incl:d6:f=isPrice
total_discounts_tax_excl:d6:f=isPrice total_paid:d6:req:f=isPrice
total_paid_tax_incl:d6:f=isPrice total_paid_tax_excl:d6:f=isPrice
total_paid_real:d6:req:f=isPrice total_products:d6:req:f=isPrice
total_products_wt:d6:req:f=isPrice total_shipping:d6:f=isPrice
total_shipping_tax_incl:d6:f=isPrice total_shipping_tax_excl:d6:f=isPrice
carrier_tax_rate:d3:f=isFloat total_wrapping:d6:f=isPrice
total_wrapping_tax_incl:d6:f=isPrice total_wrapping_tax_excl:d6:f=isPrice
round_mode:id:f=isUnsignedId round_type:id:f=isUnsignedId
conversion_rate:d6:req:f=isFloat reference:str
"""

ORDER_ROW_FIELDS = (
    ("id", ""),
    ("product_id", "products"),
    ("product_attribute_id", ""),
    ("product_quantity", ""),
    ("product_name", ""),
    ("product_reference", ""),
    ("product_ean13", ""),
    ("product_isbn", ""),
    ("product_upc", ""),
    ("product_price", ""),
    ("id_customization", "customizations"),
    ("unit_price_tax_incl", ""),
    ("unit_price_tax_excl", ""),
)

CART_ROW_FIELDS = (
    ("id_product", "products"),
    ("id_product_attribute", "combinations"),
    ("id_address_delivery", "addresses"),
    ("id_customization", "customizations"),
    ("quantity", ""),
)

ORDER_DETAIL_FIELDS = """
id_order:id:req:l=orders product_id:id:l=products
product_attribute_id:id:l=combinations product_quantity_reinjected:int
group_reduction:d2 discount_quantity_applied:int download_hash:str
download_deadline:dt id_order_invoice:id id_warehouse:id:req id_shop:id:req
id_customization:id product_name:str:req product_quantity:int:req
product_quantity_in_stock:int product_quantity_return:int
product_quantity_refunded:int product_price:d6:req reduction_percent:d2
reduction_amount:d6 reduction_amount_tax_incl:d6 reduction_amount_tax_excl:d6
product_quantity_discount:d6 product_ean13:str product_isbn:str product_upc:str
product_mpn:str product_reference:str product_supplier_reference:str
product_weight:d6 tax_computation_method:int id_tax_rules_group:id ecotax:d6
ecotax_tax_rate:d3 download_nb:int unit_price_tax_incl:d6 unit_price_tax_excl:d6
total_price_tax_incl:d6 total_price_tax_excl:d6 total_shipping_price_tax_excl:d6
total_shipping_price_tax_incl:d6 purchase_supplier_price:d6
original_product_price:d6 original_wholesale_price:d6
total_refunded_tax_excl:d6 total_refunded_tax_incl:d6
"""

ORDER_STATE_FIELDS = """
unremovable:bool delivery:bool hidden:bool send_email:bool module_name:str
invoice:bool color:str logable:bool shipped:bool paid:bool pdf_delivery:bool
pdf_invoice:bool deleted:bool name:lang:req:s=64:f=isGenericName template:lang
"""

ORDER_HISTORY_FIELDS = """
id_employee:id:f=isUnsignedId id_order_state:id:req:f=isUnsignedId:l=order_states
id_order:id:req:f=isUnsignedId:l=orders date_add:dt:f=isDate
"""

ORDER_CARRIER_FIELDS = """
id_order:id:req:l=orders id_carrier:id:req:l=carriers id_order_invoice:id
weight:d6 shipping_cost_tax_excl:d6 shipping_cost_tax_incl:d6
tracking_number:str date_add:dt
"""

ORDER_PAYMENT_FIELDS = """
order_reference:str id_currency:id:req:l=currencies amount:d6:req
payment_method:str conversion_rate:d6 transaction_id:str card_number:str
card_brand:str card_expiration:str card_holder:str date_add:dt id_employee:str
"""

LANGUAGE_FIELDS = """
name:str:req:s=32 iso_code:str:req:s=2 locale:str language_code:str active:bool
is_rtl:bool date_format_lite:str date_format_full:str
"""

CONFIGURATION_FIELDS = "value:str name:str:req:s=254"

TAX_FIELDS = """
rate:d3:req:f=isFloat active:bool deleted:bool name:lang:req:s=32:f=isGenericName
"""

TAX_RULE_GROUP_FIELDS = """
name:str:req:s=64:f=isGenericName active:bool:f=isBool deleted:bool:f=isBool
date_add:dt:f=isDate date_upd:dt:f=isDate
"""

TAX_RULE_FIELDS = """
id_tax_rules_group:id:req:f=isUnsignedId:l=tax_rule_groups id_state:id:f=isUnsignedId
id_country:id:req:f=isUnsignedId:l=countries zipcode_from:str:f=isPostCode
zipcode_to:str:f=isPostCode id_tax:id:req:f=isUnsignedId behavior:int:f=isUnsignedInt
description:str:f=isString
"""

COUNTRY_FIELDS = """
id_zone:id:req:l=zones id_currency:id call_prefix:int iso_code:str:req:s=3
active:bool contains_states:bool need_identification_number:bool
need_zip_code:bool zip_code_format:str display_tax_label:bool
name:lang:req:s=64:f=isGenericName
"""

STATE_FIELDS = """
id_zone:id:req:l=zones id_country:id:req:l=countries iso_code:str:req:s=7
name:str:req:s=80 active:bool
"""

CURRENCY_FIELDS = """
names:lang name:str:nf symbol:lang iso_code:str:req:s=3 numeric_iso_code:str
precision:int conversion_rate:d6:req deleted:bool active:bool unofficial:bool
modified:bool pattern:lang
"""

SHOP_FIELDS = """
id_shop_group:id:l=shop_groups id_category:id:l=categories active:bool deleted:bool
name:str:req:s=64 color:str theme_name:str
"""

CARRIER_FIELDS = """
deleted:bool is_module:bool id_tax_rules_group:virt id_reference:id name:str:req
active:bool is_free:bool url:str shipping_handling:bool shipping_external:bool
range_behavior:bool shipping_method:virt max_width:int max_height:int max_depth:int
max_weight:d6 grade:int external_module_name:str need_range:bool position:int
delay:lang
"""

GROUP_FIELDS = """
reduction:d2 price_display_method:int show_prices:bool date_add:dt date_upd:dt
name:lang:req:s=32
"""

ZONE_FIELDS = "name:str:req:s=64 active:bool"

IMAGE_TYPE_FIELDS = """
name:str:req:s=64 width:int height:int categories:bool products:bool
manufacturers:bool suppliers:bool stores:bool
"""


def _resource(
    name: str,
    node: str,
    klass: str,
    description: str,
    spec: str,
    assocs: tuple[Assoc, ...] = (),
    methods: frozenset[str] | None = None,
    hidden: frozenset[str] = frozenset(),
) -> ResourceDef:
    return ResourceDef(
        name,
        node,
        klass,
        description,
        parse_fields(spec),
        assocs,
        methods if methods is not None else ResourceDef.methods,
        hidden,
    )


READ_UPDATE = frozenset({"GET", "HEAD", "PUT", "PATCH"})

_MODELLED = (
    _resource(
        "addresses",
        "address",
        "Address",
        "The Customer, Brand and Customer addresses",
        ADDRESS_FIELDS,
    ),
    _resource("carriers", "carrier", "Carrier", "The Carriers", CARRIER_FIELDS),
    _resource(
        "carts",
        "cart",
        "Cart",
        "Customer's carts",
        CART_FIELDS,
        (Assoc("cart_rows", "cart_row", "", "", CART_ROW_FIELDS),),
    ),
    _resource(
        "categories",
        "category",
        "Category",
        "The product categories",
        CATEGORY_FIELDS,
        (
            simple_assoc("categories", "category", "categories"),
            Assoc("products", "product", "products", "products", (("id", ""),)),
        ),
        hidden=frozenset({"nleft", "nright"}),
    ),
    _resource(
        "configurations",
        "configuration",
        "Configuration",
        "Shop configuration",
        CONFIGURATION_FIELDS,
    ),
    _resource("countries", "country", "Country", "The countries", COUNTRY_FIELDS),
    _resource("currencies", "currency", "Currency", "The currencies", CURRENCY_FIELDS),
    _resource(
        "customers",
        "customer",
        "Customer",
        "The e-shop's customers",
        CUSTOMER_FIELDS,
        (simple_assoc("groups", "group", "groups"),),
    ),
    _resource("groups", "group", "Group", "The customer's groups", GROUP_FIELDS),
    _resource(
        "image_types", "image_type", "ImageType", "The image types", IMAGE_TYPE_FIELDS
    ),
    _resource("languages", "language", "Language", "Shop languages", LANGUAGE_FIELDS),
    _resource(
        "order_carriers",
        "order_carrier",
        "OrderCarrier",
        "The Order carriers",
        ORDER_CARRIER_FIELDS,
    ),
    _resource(
        "order_details",
        "order_detail",
        "OrderDetail",
        "Details of an order",
        ORDER_DETAIL_FIELDS,
        (simple_assoc("taxes", "tax", "taxes"),),
    ),
    _resource(
        "order_histories",
        "order_history",
        "OrderHistory",
        "The Order histories",
        ORDER_HISTORY_FIELDS,
    ),
    _resource(
        "order_payments",
        "order_payment",
        "OrderPayment",
        "The Order payments",
        ORDER_PAYMENT_FIELDS,
    ),
    _resource(
        "order_states",
        "order_state",
        "OrderState",
        "The Order statuses",
        ORDER_STATE_FIELDS,
    ),
    _resource(
        "orders",
        "order",
        "Order",
        "The Customers orders",
        ORDER_FIELDS,
        (Assoc("order_rows", "order_row", "", "", ORDER_ROW_FIELDS),),
    ),
    _resource(
        "products",
        "product",
        "Product",
        "The products",
        PRODUCT_FIELDS,
        PRODUCT_ASSOCS,
    ),
    _resource("shops", "shop", "Shop", "Shops from multi-shop feature", SHOP_FIELDS),
    _resource(
        "states", "state", "State", "The available states of countries", STATE_FIELDS
    ),
    _resource(
        "stock_availables",
        "stock_available",
        "StockAvailable",
        "Available quantities",
        STOCK_FIELDS,
        methods=READ_UPDATE,
    ),
    _resource(
        "tax_rule_groups",
        "tax_rule_group",
        "TaxRulesGroup",
        "Tax rule groups",
        TAX_RULE_GROUP_FIELDS,
    ),
    _resource("tax_rules", "tax_rule", "TaxRule", "Tax rules entity", TAX_RULE_FIELDS),
    _resource("taxes", "tax", "Tax", "The tax rate", TAX_FIELDS),
    _resource("zones", "zone", "Zone", "The Countries zones", ZONE_FIELDS),
)

# Granted to the sandbox key but not modelled: they answer empty lists.
_UNMODELLED = (
    ("combinations", "combination", "The product combinations"),
    ("contacts", "contact", "Shop contacts"),
    ("customer_messages", "customer_message", "Customer services messages"),
    ("customer_threads", "customer_thread", "Customer services threads"),
    ("deliveries", "delivery", "Product delivery"),
    ("employees", "employee", "The Employees"),
    ("guests", "guest", "The guests"),
    ("manufacturers", "manufacturer", "The product brands"),
    ("messages", "message", "The Messages"),
    ("order_cart_rules", "order_cart_rule", "The Order cart rules"),
    ("order_invoices", "order_invoice", "The Order invoices"),
    ("order_slip", "order_slip", "The Order slips"),
    ("price_ranges", "price_range", "Price ranges"),
    ("product_feature_values", "product_feature_value", "The product feature values"),
    ("product_features", "product_feature", "The product features"),
    ("product_option_values", "product_option_value", "The product options value"),
    ("product_options", "product_option", "The product options"),
    ("shop_groups", "shop_group", "Shop groups from multi-shop feature"),
    ("specific_prices", "specific_price", "Specific price management"),
    ("suppliers", "supplier", "The product suppliers"),
    ("tags", "tag", "The Products tags"),
    ("weight_ranges", "weight_range", "Weight ranges"),
)

RESOURCES: dict[str, ResourceDef] = {r.name: r for r in _MODELLED}
for _name, _node, _description in _UNMODELLED:
    RESOURCES[_name] = ResourceDef(
        _name, _node, _node.title().replace("_", ""), _description, parse_fields("")
    )

# "images" is granted too but has its own tree (/api/images/products/...).
GRANTED = frozenset(RESOURCES) | {"images"}

# Every resource type PrestaShop 8.2 knows, for the "Did you mean" error.
KNOWN = (
    "addresses attachments carriers cart_rules carts categories combinations "
    "configurations contacts content_management_system countries currencies "
    "customer_messages customer_threads customers customizations deliveries "
    "employees groups guests image_types images languages manufacturers messages "
    "order_carriers order_cart_rules order_details order_histories order_invoices "
    "order_payments order_slip order_states orders price_ranges "
    "product_customization_fields product_feature_values product_features "
    "product_option_values product_options product_suppliers products search "
    "shop_groups shop_urls shops specific_price_rules specific_prices states "
    "stock_availables stock_movement_reasons stock_movements stocks stores "
    "suppliers supply_order_details supply_order_histories "
    "supply_order_receipt_histories supply_order_states supply_orders tags "
    "tax_rule_groups tax_rules taxes translated_configurations "
    "warehouse_product_locations warehouses weight_ranges zones"
).split()
