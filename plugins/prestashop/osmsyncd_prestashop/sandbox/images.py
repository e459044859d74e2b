"""The ``/api/images`` tree: product image uploads, lists, downloads, deletes.

Uploads answer 200 (not 201) with an ``<image>`` document and the picture
in base64; the first image of a product becomes its cover; the JSON list of
a product's images is broken on PrestaShop 8.2.1 and stays broken here.
"""

from __future__ import annotations

import base64
from email.parser import BytesParser
from email.policy import HTTP

from osmsyncd_prestashop.sandbox.base import Request
from osmsyncd_prestashop.sandbox.base import Response
from osmsyncd_prestashop.sandbox.base import ShopBase
from osmsyncd_prestashop.sandbox.query import WsError
from osmsyncd_prestashop.sandbox.render import JSON_TYPE
from osmsyncd_prestashop.sandbox.render import XML_TYPE
from osmsyncd_prestashop.sandbox.render import json_text
from osmsyncd_prestashop.sandbox.store import StoredImage

MIMETYPES = (
    "image/gif, image/jpg, image/jpeg, image/pjpeg, image/png, image/webp, image/x-png"
)
ENTITIES = ("general", "products", "categories", "manufacturers", "suppliers", "stores",
            "customizations")  # fmt: skip
_JSON_WARNING = (
    '[PHP Warning #2] Undefined array key "objectsNodeName" '
    "(/var/www/shop/classes/webservice/WebserviceOutputJSON.php, line 127)"
)


def sniff(data: bytes) -> str | None:
    """The image type of ``data`` from its first bytes, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def multipart_file(request: Request, name: str) -> bytes | None:
    """The bytes of the file field ``name`` of a multipart body."""
    if "multipart/form-data" not in request.content_type:
        return None
    head = f"Content-Type: {request.content_type}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + request.body)
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == name:
            payload = part.get_payload(decode=True)
            return payload if isinstance(payload, bytes) else b""
    return None


class ImagesMixin(ShopBase):
    def images(self, request: Request) -> Response:
        parts = request.parts[1:]
        if not parts:
            return self._image_root(request)
        if parts[0] != "products":
            return Response(404)
        if len(parts) == 1:
            return self._product_image_types(request)
        if not parts[1].isdigit():
            return Response(404)
        product_id = int(parts[1])
        image_id = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else None
        method = request.method
        if method == "POST" and image_id is None:
            return self._image_upload(request, product_id)
        if method in ("POST", "PUT") and image_id is not None:
            return self._image_replace(request, product_id, image_id)
        if method == "DELETE" and image_id is not None:
            return self._delete_image(product_id, image_id)
        if method in ("GET", "HEAD") and image_id is None:
            return self._image_list(request, product_id)
        if method in ("GET", "HEAD") and image_id is not None:
            return self._image_download(product_id, image_id)
        raise WsError(405, [(23, f"Method {method} is not valid")])

    def _image_root(self, request: Request) -> Response:
        lines = ["<image_types>\n"]
        for entity in ENTITIES:
            lines.append(
                f'<{entity} xlink:href="{self.renderer.base}/images/{entity}" '
                'get="true" put="false" post="false" patch="false" delete="false" '
                f'head="true" upload_allowed_mimetypes="{MIMETYPES}"/>\n'
            )
        lines.append("</image_types>\n")
        return self.document(request, "".join(lines), {})

    def _product_image_types(self, request: Request) -> Response:
        types = sorted(self.store.rows("image_types"), key=lambda row: row["name"])
        lines = ["<image_types>\n"]
        for row in types:
            href = f"{self.renderer.base}/image_types/{row['id']}"
            lines.append(
                f'<image_type id="{row["id"]}" name="{row["name"]}" '
                f'xlink:href="{href}"/>\n'
            )
        lines.append("</image_types>\n<images>\n")
        products = sorted({image.product_id for image in self.store.images.values()})
        for product_id in products:
            href = f"{self.renderer.base}/images/products/{product_id}"
            lines.append(f'<image id="{product_id}" xlink:href="{href}"/>\n')
        lines.append("</images>\n")
        return self.document(request, "".join(lines), {})

    def _image_list(self, request: Request, product_id: int) -> Response:
        images = self.store.product_images(product_id)
        if not images:
            return Response(404)
        if request.json:
            garbled = [{"id": str(product_id)}] + [{"id": str(i.id)} for i in images]
            errors = [{"code": 3, "message": _JSON_WARNING}] * 3
            errors.append({"code": 61, "message": "This image does not exist on disk"})
            body = json_text({"": garbled, "errors": errors})
            return Response(500, body.encode(), JSON_TYPE)
        lines = [f'<image id="{product_id}">\n']
        for image in images:
            href = f"{self.renderer.base}/images/products/{product_id}/{image.id}"
            lines.append(f'<declination id="{image.id}" xlink:href="{href}"/>\n')
        lines.append("</image>\n")
        return self.document(request, "".join(lines), {})

    def _image_find(self, product_id: int, image_id: int) -> StoredImage:
        image = self.store.images.get(image_id)
        if image is None or image.product_id != product_id:
            raise WsError(400, [(57, "This image id does not exist")])
        return image

    def _image_download(self, product_id: int, image_id: int) -> Response:
        image = self._image_find(product_id, image_id)
        return Response(200, image.data, image.mime)

    def _image_received(self, request: Request) -> tuple[bytes, str]:
        data = multipart_file(request, "image")
        if data is None:
            raise WsError(
                400, [(76, 'Please set an "image" parameter with image data for value')]
            )
        mime = sniff(data)
        if mime is None:
            raise WsError(
                400,
                [
                    (
                        76,
                        "Image upload error : Image format not recognized, allowed "
                        "formats are: gif, jpg, jpeg, jpe, png, webp",
                    )
                ],
            )
        return data, mime

    def _image_upload(self, request: Request, product_id: int) -> Response:
        if multipart_file(request, "image") is None:
            self._image_received(request)
        if self.store.get("products", product_id) is None:
            raise WsError(400, [(76, f"Product {product_id} does not exist")])
        data, mime = self._image_received(request)

        existing = self.store.product_images(product_id)
        image = StoredImage(
            id=self.store.next_image_id,
            product_id=product_id,
            position=max((i.position for i in existing), default=0) + 1,
            cover=not any(i.cover for i in existing),
            data=data,
            mime=mime,
            legend={lang: "" for lang in self.languages()},
        )
        self.store.next_image_id += 1
        self.store.images[image.id] = image

        legend = "".join(
            f'<language id="{lang}" xlink:href="{self.renderer.base}/languages/{lang}">'
            "<![CDATA[]]></language>"
            for lang in self.languages()
        )
        inner = (
            f"<image>\n<id><![CDATA[{image.id}]]></id>\n"
            f"<id_product><![CDATA[{product_id}]]></id_product>\n"
            f"<position><![CDATA[{image.position}]]></position>\n"
            f"<cover><![CDATA[{'1' if image.cover else ''}]]></cover>\n"
            f"<legend>{legend}</legend>\n</image>\n"
            f'<content encode="base64"><![CDATA[{base64.b64encode(data).decode()}]]>'
            "</content>\n"
        )
        return Response(200, self.renderer.xml_document(inner).encode(), XML_TYPE)

    def _image_replace(
        self, request: Request, product_id: int, image_id: int
    ) -> Response:
        image = self._image_find(product_id, image_id)
        data, mime = self._image_received(request)
        image.data, image.mime = data, mime
        return Response(200, data, mime)

    def _delete_image(self, product_id: int, image_id: int) -> Response:
        image = self._image_find(product_id, image_id)
        del self.store.images[image_id]
        remaining = self.store.product_images(product_id)
        if image.cover and remaining:
            remaining[0].cover = True
        for position, other in enumerate(remaining, 1):
            other.position = position
        return Response(200)
