"""Category paths of OSM as PrestaShop categories under Home.

A missing category is looked up by name under its parent first (so one made
by hand is reused), then created with the name and a friendly URL in every
shop language. Bindings the engine already holds are trusted.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import structlog

from osmsyncd_prestashop.client import PrestaShopClient
from osmsyncd_prestashop.facts import ShopFacts
from osmsyncd_prestashop.facts import language_values
from osmsyncd_prestashop.mapping import clean_name
from osmsyncd_prestashop.mapping import comparable_text
from osmsyncd_prestashop.mapping import every_language
from osmsyncd_prestashop.mapping import slug
from osmsyncd_prestashop.xml import Entity

log = structlog.get_logger(__name__)

Path = tuple[str, ...]


def _key(name: str) -> str:
    return comparable_text(clean_name(name)).lower()


def ensure_categories(
    client: PrestaShopClient,
    facts: ShopFacts,
    paths: Sequence[Path],
    known: Mapping[Path, str],
    workers: int = 1,
) -> dict[Path, str]:
    """Shop ids of every path (and its parents), creating what is missing,
    up to ``workers`` at a time."""
    result: dict[Path, str] = {path: shop_id for path, shop_id in known.items()}
    missing = [path for path in paths if path and path not in result]
    if not missing:
        return {path: result[path] for path in paths if path in result}

    children: dict[int, dict[str, int]] = {}
    for row in client.select("categories", display="[id,id_parent,name]"):
        names = language_values(row.get("name"), facts.languages)
        siblings = children.setdefault(int(row.get("id_parent") or 0), {})
        for text in names.values():
            siblings.setdefault(_key(text), int(row["id"]))

    prefixes = {path[:depth] for path in missing for depth in range(1, len(path) + 1)}
    # The webservice creates one category a request: those of one level go
    # side by side, parents before their children, which name them.
    with ThreadPoolExecutor(max(1, workers), "osmsyncd-category") as pool:
        for depth in sorted({len(prefix) for prefix in prefixes}):
            wanted: dict[tuple[int, str], tuple[str, list[Path]]] = {}
            for prefix in sorted(p for p in prefixes if len(p) == depth):
                if prefix in result:
                    continue
                parent = int(result[prefix[:-1]]) if depth > 1 else facts.home_category
                name = clean_name(prefix[-1]) or prefix[-1].strip() or "-"
                found = children.get(parent, {}).get(_key(name))
                if found is not None:
                    result[prefix] = str(found)
                    continue
                wanted.setdefault((parent, _key(name)), (name, []))[1].append(prefix)

            made = {
                key: pool.submit(_create, client, facts, key[0], name)
                for key, (name, _) in wanted.items()
            }
            for key, future in made.items():
                shop_id = future.result()
                children.setdefault(key[0], {})[key[1]] = shop_id
                for prefix in wanted[key][1]:
                    result[prefix] = str(shop_id)
                    log.info("category_created", path="/".join(prefix), shop_id=shop_id)
    return {path: result[path] for path in {*paths, *result} if path in result}


def _create(client: PrestaShopClient, facts: ShopFacts, parent: int, name: str) -> int:
    link = slug(name) or f"category-{parent}"
    entity = Entity(
        "category",
        {
            "id_parent": str(parent),
            "active": "1",
            "name": every_language(name, facts),
            "link_rewrite": every_language(link, facts),
        },
    )
    return int(client.create("categories", entity)["id"])
