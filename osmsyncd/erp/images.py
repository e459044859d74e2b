"""Article images as files in OSM's files folder.

The daemon runs on the OSM host (or has the folder mounted): an image is
``<files_dir>/<module attachments directory>/<zz_files.filename>``. Hashing
every image on every run would read the whole catalogue's pictures, so
digests are kept per file and recomputed only when size or mtime change.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from pathlib import Path

import structlog

from osmsyncd.records import Image

log = structlog.get_logger(__name__)

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp"})

_MAGIC = (
    (b"\xff\xd8\xff", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", ".png"),
    (b"GIF87a", ".gif"),
    (b"GIF89a", ".gif"),
)


def is_image(filename: str) -> bool:
    return Path(filename).suffix.lower() in IMAGE_SUFFIXES


def image_suffix(data: bytes) -> str | None:
    """The file suffix of image bytes, from their signature."""
    for magic, suffix in _MAGIC:
        if data.startswith(magic):
            return suffix
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return None


class ImageFiles:
    """Reads and writes the image files of one OSM module's attachments."""

    def __init__(self, files_dir: Path | None) -> None:
        self.files_dir = files_dir
        self._digests: dict[Path, tuple[int, int, str]] = {}
        self._missing: set[Path] = set()
        self._lock = threading.Lock()

    def folder(self, attachments_directory: str) -> Path | None:
        if self.files_dir is None:
            return None
        return self.files_dir / (attachments_directory or "articoli")

    def image(self, folder: Path, filename: str, name: str = "") -> Image | None:
        """The image of one ``zz_files`` row, or None when its file is gone."""
        if not filename or Path(filename).name != filename:
            return None
        path = folder / filename
        digest = self.digest(path)
        if digest is None:
            with self._lock:
                first = path not in self._missing
                self._missing.add(path)
            if first:
                # Once per process: the same gap would otherwise be logged
                # at every run.
                log.warning("image_file_missing", path=str(path))
            return None
        return Image(path=path, sha256=digest, name=name)

    def digest(self, path: Path) -> str | None:
        try:
            stat = path.stat()
        except OSError:
            return None
        if not path.is_file():
            return None
        key = (stat.st_size, stat.st_mtime_ns)
        with self._lock:
            known = self._digests.get(path)
        if known is not None and known[:2] == key:
            return known[2]
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            log.warning("image_unreadable", path=str(path), reason=str(exc))
            return None
        with self._lock:
            self._digests[path] = (*key, digest)
        return digest

    def store(self, folder: Path, data: bytes, suffix: str) -> str:
        """Write a new file with a random name, as OSM does; returns the name."""
        folder.mkdir(parents=True, exist_ok=True)
        while True:
            filename = secrets.token_hex(16) + suffix
            path = folder / filename
            try:
                with path.open("xb") as handle:
                    handle.write(data)
            except FileExistsError:
                continue
            return filename
