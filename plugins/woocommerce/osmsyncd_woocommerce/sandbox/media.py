"""The media library: uploads over ``wp/v2/media`` and images by ``src``.

Unlike a real shop, the sandbox downloads ``src`` images from loopback
addresses (and only from there), so that tests can serve OSM's files from
127.0.0.1.
"""

from __future__ import annotations

import contextvars
import functools
import http.client
import ipaddress
import re
import ssl
import struct
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from urllib.parse import unquote
from urllib.parse import urlsplit

from osmsyncd_woocommerce.sandbox.errors import RestError
from osmsyncd_woocommerce.sandbox.messages import Reply
from osmsyncd_woocommerce.sandbox.messages import Request
from osmsyncd_woocommerce.sandbox.state import ShopState
from osmsyncd_woocommerce.sandbox.state import gmt_text
from osmsyncd_woocommerce.sandbox.state import local_text
from osmsyncd_woocommerce.sandbox.state import shifted_twice
from osmsyncd_woocommerce.sandbox.wordpress import sanitize_title

_FILENAME_DROPPED = "?[]/\\=<>:;,'\"&$#*()|~`!{}%+’«»”“"


def sniff_image(data: bytes) -> tuple[str, int, int] | None:
    """(mime type, width, height) of a PNG, JPEG, GIF or WebP, else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return "image/png", width, height
    if data.startswith(b"GIF8") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return "image/gif", width, height
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image/webp", 0, 0
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg", *_jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int]:
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            index += 1
            continue
        marker = data[index + 1]
        length = struct.unpack(">H", data[index + 2 : index + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return width, height
        index += 2 + length
    return 0, 0


def sanitize_file_name(name: str) -> str:
    """A file name as WordPress stores it: spaces to ``-``, no specials."""
    for char in _FILENAME_DROPPED:
        name = name.replace(char, "")
    name = re.sub(r"\s+", "-", name.strip())
    name = re.sub(r"-+", "-", name)
    return name.strip(".-_") or "unnamed-file"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@functools.cache
def _opener() -> urllib.request.OpenerDirector:
    # Made once: loading the system's CA store for a fresh default context
    # costs about 20 ms of CPU, more than the rest of a product's creation,
    # and a loopback download verifies nothing anyway.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context)
    )


# Images a request names, fetched before the request takes the shop's lock.
_PREFETCHED: contextvars.ContextVar[dict[str, bytes | RestError] | None] = (
    contextvars.ContextVar("prefetched", default=None)
)


@contextmanager
def prefetched(payload: Any) -> Iterator[None]:
    """Download the ``src`` images of a product write before it runs.

    A real shop serves requests side by side while one of them waits on an
    image; the sandbox runs each request under one lock, so a batch that
    downloaded inside it would hold every other request back. The request
    then finds each image here, or the error its download met.
    """
    fetched: dict[str, bytes | RestError] = {}
    for url in _sources(payload):
        if url not in fetched:
            try:
                fetched[url] = _fetch(url)
            except RestError as exc:
                fetched[url] = exc
    token = _PREFETCHED.set(fetched)
    try:
        yield
    finally:
        _PREFETCHED.reset(token)


def _sources(payload: Any) -> Iterator[str]:
    """The image ``src`` URLs of one product or of a batch's writes."""
    if not isinstance(payload, dict):
        return
    products = [payload]
    for key in ("create", "update"):
        if isinstance(payload.get(key), list):
            products += payload[key]
    for product in products:
        images = product.get("images") if isinstance(product, dict) else None
        for image in images if isinstance(images, list) else []:
            if isinstance(image, dict) and image.get("src") and not image.get("id"):
                yield str(image["src"])


def download(url: str) -> bytes:
    """Fetch an image by URL, loopback only, as WordPress's sideload would."""
    found = (_PREFETCHED.get() or {}).get(url)
    if isinstance(found, RestError):
        raise found
    if found is not None:
        return found
    return _fetch(url)


def _fetch(url: str) -> bytes:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not _loopback(parts.hostname or ""):
        raise _remote_image_error(url, "A valid URL was not provided.")

    try:
        with _opener().open(url, timeout=10) as answer:
            return bytes(answer.read())
    except urllib.error.HTTPError as exc:
        raise _remote_image_error(url, exc.reason or "Error") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise _remote_image_error(url, "cURL error 7: Failed to connect") from exc
    except (http.client.InvalidURL, ValueError) as exc:
        raise _remote_image_error(url, "A valid URL was not provided.") from exc


def _remote_image_error(url: str, reason: object) -> RestError:
    """WordPress's answer to an image it could not sideload."""
    return RestError(
        400,
        "woocommerce_product_image_upload_error",
        f"Error getting remote image {url}. Error: {reason}",
    )


def store_file(
    state: ShopState, filename: str, data: bytes, title: str | None
) -> dict[str, Any]:
    """Add an attachment for the bytes; refuses what is not an image."""
    kind = sniff_image(data)
    if kind is None:
        raise RestError(
            400,
            "woocommerce_product_image_upload_error",
            "Invalid image: Sorry, you are not allowed to upload this file type.",
        )
    mime, width, height = kind

    now = state.now()
    folder = f"{now:%Y}/{now:%m}"
    name = sanitize_file_name(filename)
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, mime.split("/")[1].replace("jpeg", "jpg")
    path = f"{folder}/{stem}.{extension}"
    if path in state.uploads:
        # Files are never removed, so every number below the last one given
        # for this name is still taken.
        counter = state.upload_counters.get(path, 1)
        while f"{folder}/{stem}-{counter}.{extension}" in state.uploads:
            counter += 1
        state.upload_counters[path] = counter + 1
        path = f"{folder}/{stem}-{counter}.{extension}"
    state.uploads[path] = (data, mime)

    media_id = state.post_id()
    record: dict[str, Any] = {
        "id": media_id,
        "file": path,
        "title": title if title is not None else stem,
        "slug": state.media_slugs.unique(sanitize_title(stem)),
        "alt": "",
        "caption": "",
        "mime": mime,
        "width": width,
        "height": height,
        "size": len(data),
        "post": None,
        "date": now,
        "modified": now,
    }
    state.media[media_id] = record
    state.media_slugs.put(media_id, record["slug"])
    return record


def sideload(state: ShopState, image: dict[str, Any]) -> dict[str, Any]:
    """An image given by ``src``: downloaded into the library each time."""
    url = str(image["src"])
    data = download(url)
    filename = unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or "image"
    title = image.get("name") or sanitize_file_name(filename)
    return store_file(state, filename, data, str(title))


def product_image(record: dict[str, Any], home: str) -> dict[str, Any]:
    """An attachment as it appears in a product's ``images`` list."""
    return {
        "id": record["id"],
        "date_created": shifted_twice(record["date"]),
        "date_created_gmt": gmt_text(record["date"]),
        "date_modified": shifted_twice(record["modified"]),
        "date_modified_gmt": gmt_text(record["modified"]),
        "src": f"{home}/wp-content/uploads/{record['file']}",
        "name": record["title"],
        "alt": record["alt"],
    }


def render_media(record: dict[str, Any], home: str, edit: bool) -> dict[str, Any]:
    """A ``wp/v2/media`` item; ``edit`` adds the raw fields of edit context."""
    source = f"{home}/wp-content/uploads/{record['file']}"
    plain_home = "http://" + home.split("://", 1)[1]
    guid = {"rendered": f"{plain_home}/wp-content/uploads/{record['file']}"}
    title: dict[str, str] = {"rendered": record["title"]}
    caption: dict[str, str] = {
        "rendered": f"<p>{record['caption']}</p>\n" if record["caption"] else ""
    }
    description: dict[str, str] = {"rendered": ""}
    if edit:
        guid["raw"] = guid["rendered"]
        title = {"raw": record["title"], "rendered": record["title"]}
        caption = {"raw": record["caption"], **caption}
        description = {"raw": "", **description}
    body: dict[str, Any] = {
        "id": record["id"],
        "date": local_text(record["date"]),
        "date_gmt": gmt_text(record["date"]),
        "guid": guid,
        "modified": local_text(record["modified"]),
        "modified_gmt": gmt_text(record["modified"]),
        "slug": record["slug"],
        "status": "inherit",
        "type": "attachment",
        "link": f"{home}/{record['slug']}/",
        "title": title,
        "author": 1,
        "featured_media": 0,
        "comment_status": "open",
        "ping_status": "closed",
        "template": "",
        "meta": [],
    }
    if edit:
        body["permalink_template"] = f"{home}/?attachment_id={record['id']}"
        body["generated_slug"] = sanitize_title(record["title"])
    body.update(
        {
            "class_list": [
                f"post-{record['id']}",
                "attachment",
                "type-attachment",
                "status-inherit",
                "hentry",
            ],
            "description": description,
            "caption": caption,
            "alt_text": record["alt"],
            "media_type": "image",
            "mime_type": record["mime"],
            "media_details": {
                "width": record["width"],
                "height": record["height"],
                "file": record["file"],
                "filesize": record["size"],
                "sizes": {},
                "image_meta": {},
            },
            "post": record["post"],
            "source_url": source,
        }
    )
    if edit:
        body["missing_image_sizes"] = []
    body["_links"] = {
        "self": [
            {
                "href": f"{home}/wp-json/wp/v2/media/{record['id']}",
                "targetHints": {"allow": ["GET", "POST", "PUT", "PATCH", "DELETE"]},
            }
        ],
        "collection": [{"href": f"{home}/wp-json/wp/v2/media"}],
        "about": [{"href": f"{home}/wp-json/wp/v2/types/attachment"}],
        "author": [{"embeddable": True, "href": f"{home}/wp-json/wp/v2/users/1"}],
        "replies": [
            {
                "embeddable": True,
                "href": f"{home}/wp-json/wp/v2/comments?post={record['id']}",
            }
        ],
    }
    if edit:
        self_href = [{"href": f"{home}/wp-json/wp/v2/media/{record['id']}"}]
        body["_links"]["wp:action-unfiltered-html"] = self_href
        body["_links"]["wp:action-assign-author"] = self_href
        body["_links"]["curies"] = [
            {"name": "wp", "href": "https://api.w.org/{rel}", "templated": True}
        ]
    return body


def upload_media(state: ShopState, request: Request) -> Reply:
    """``POST wp/v2/media`` with the file as the raw body."""
    if request.principal is None or request.principal.via != "app-password":
        raise RestError(
            401,
            "rest_cannot_create",
            "Sorry, you are not allowed to create posts as this user.",
        )
    disposition = request.headers.get("content-disposition", "")
    match = re.search(r'filename\*?=(?:UTF-8\'\')?"?([^";]+)"?', disposition)
    if not match:
        raise RestError(
            400,
            "rest_upload_no_content_disposition",
            "No Content-Disposition supplied.",
        )
    if not request.body:
        raise RestError(400, "rest_upload_no_data", "No data supplied.")
    filename = unquote(match.group(1))
    try:
        record = store_file(state, filename, request.body, None)
    except RestError as exc:
        raise RestError(
            500,
            "rest_upload_sideload_error",
            "Sorry, you are not allowed to upload this file type.",
        ) from exc
    return Reply(201, render_media(record, request.home, edit=True))


def update_media(state: ShopState, request: Request, media_id: int) -> Reply:
    record = find_media(state, media_id)
    payload = request.json()
    if "title" in payload:
        record["title"] = str(payload["title"])
    if "alt_text" in payload:
        record["alt"] = str(payload["alt_text"])
    if "caption" in payload:
        record["caption"] = str(payload["caption"])
    record["modified"] = state.now()
    return Reply(200, render_media(record, request.home, edit=True))


def read_media(state: ShopState, request: Request, media_id: int) -> Reply:
    record = find_media(state, media_id)
    link = f'<{request.home}/{record["slug"]}/>; rel="alternate"; type=text/html'
    return Reply(200, render_media(record, request.home, edit=False), {"Link": link})


def find_media(state: ShopState, media_id: int) -> dict[str, Any]:
    record = state.media.get(media_id)
    if record is None:
        raise RestError(404, "rest_post_invalid_id", "Invalid post ID.")
    return record


def touch(record: dict[str, Any], moment: datetime) -> None:
    record["modified"] = moment
