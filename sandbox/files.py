"""Uploaded files: stored on disk, described by file_id / file_unique_id, served by path."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import mimetypes
import posixpath
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from sandbox.common import JsonDict
from sandbox.errors import bad_request

try:  # Pillow gives real photo sizes; without it the emulator uses fixed ones
    from PIL import Image
except ImportError:  # pragma: no cover - Pillow is a project dependency
    Image = None  # type: ignore[assignment]

_THUMBNAIL_SIDES = (90, 320, 800, 1280)
_LARGEST_SIDE = 2560
_FALLBACK_SIZES = ((90, 90), (320, 320), (800, 800))


@dataclass(frozen=True)
class StoredFile:
    """One stored file (one size of a photo, or a document, video, ...)."""

    file_id: str
    file_unique_id: str
    kind: str
    file_path: str
    file_size: int
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0

    def as_file(self) -> JsonDict:
        """The Bot API `File` object that getFile returns."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.file_size,
            "file_path": self.file_path,
        }

    def as_photo_size(self) -> JsonDict:
        """The Bot API `PhotoSize` object."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "width": self.width,
            "height": self.height,
            "file_size": self.file_size,
        }

    def as_document(self) -> JsonDict:
        """A `Document` (also the base of `Video`, `Audio`, `Animation`, `Voice`)."""
        document: JsonDict = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.file_size,
        }
        if self.file_name:
            document["file_name"] = self.file_name
        if self.mime_type:
            document["mime_type"] = self.mime_type
        return document


class FileStore:
    """Keeps uploaded bytes under `root` and finds them again by file_id or file_path."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._by_id: dict[str, StoredFile] = {}
        self._photo_sets: dict[str, list[StoredFile]] = {}

    def dump(self) -> JsonDict:
        """The index of stored files (the bytes stay on disk), as saved across restarts."""
        sets = {id(sizes): [size.file_id for size in sizes] for sizes in self._photo_sets.values()}
        return {
            "files": [asdict(stored) for stored in self._by_id.values()],
            "photo_sets": list(sets.values()),
        }

    def restore(self, data: JsonDict) -> None:
        """Know the files of a saved index again (their bytes are still under `root`)."""
        for item in data.get("files", []):
            stored = StoredFile(**item)
            self._by_id[stored.file_id] = stored
        for file_ids in data.get("photo_sets", []):
            sizes = [self._by_id[file_id] for file_id in file_ids if file_id in self._by_id]
            for size in sizes:
                self._photo_sets[size.file_id] = sizes

    def get(self, file_id: str) -> StoredFile | None:
        """The file with this file_id, if the emulator issued it."""
        return self._by_id.get(file_id)

    def photo_set(self, file_id: str) -> list[StoredFile] | None:
        """All sizes of the photo that one of its sizes' file_id belongs to."""
        return self._photo_sets.get(file_id)

    def local_path(self, file_path: str) -> Path | None:
        """Where a file_path from getFile lives on disk, refusing paths outside the store."""
        normalized = posixpath.normpath(file_path)
        if normalized in (".", "..") or normalized.startswith(("../", "/")):
            return None
        return self.root / normalized

    async def read(self, file_id: str) -> bytes:
        """The bytes of a stored file."""
        stored = self._by_id[file_id]
        return await asyncio.to_thread((self.root / stored.file_path).read_bytes)

    async def save(
        self,
        data: bytes,
        kind: str,
        file_name: str | None = None,
        mime_type: str | None = None,
        width: int = 0,
        height: int = 0,
    ) -> StoredFile:
        """Store bytes and give them a new file_id."""
        suffix = Path(file_name).suffix if file_name else ".bin"
        if mime_type is None and file_name:
            mime_type = mimetypes.guess_type(file_name)[0]
        file_path = f"{kind}s/file_{secrets.token_hex(8)}{suffix[:10]}"
        target = self.root / file_path
        await asyncio.to_thread(_write, target, data)
        stored = StoredFile(
            file_id=_file_id(kind),
            file_unique_id=_unique_id(data),
            kind=kind,
            file_path=file_path,
            file_size=len(data),
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
        )
        self._by_id[stored.file_id] = stored
        return stored

    async def save_photo(self, data: bytes, *, strict: bool = True) -> list[StoredFile]:
        """Store a photo and smaller sizes, smallest first; strict=False takes unreadable bytes."""
        variants = await asyncio.to_thread(_photo_variants, data, strict)
        sizes = [
            await self.save(blob, "photo", "photo.jpg", "image/jpeg", width, height)
            for blob, width, height in variants
        ]
        for size in sizes:
            self._photo_sets[size.file_id] = sizes
        return sizes


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def _file_id(kind: str) -> str:
    prefix = {"photo": "AgAC", "document": "BQAC", "video": "BAAC"}.get(kind, "CQAC")
    return prefix + secrets.token_urlsafe(24)


def _unique_id(data: bytes) -> str:
    # Telegram's file_unique_id is the same for the same file, whoever uploads it
    digest = hashlib.sha256(data).digest()[:12]
    return "AQAD" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _photo_variants(data: bytes, strict: bool) -> list[tuple[bytes, int, int]]:
    """(bytes, width, height) per size; runs in a worker thread (Pillow is blocking)."""
    if Image is None:
        return [(data, width, height) for width, height in _FALLBACK_SIZES]
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            width, height = image.size
            rgb = image.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        if not strict:
            return [(data, width, height) for width, height in _FALLBACK_SIZES]
        raise bad_request("IMAGE_PROCESS_FAILED") from exc
    variants = []
    for side in _THUMBNAIL_SIDES:
        if side < max(width, height):
            variants.append(_resized(rgb, side))
    if max(width, height) <= _LARGEST_SIDE:
        variants.append((data, width, height))
    else:
        variants.append(_resized(rgb, _LARGEST_SIDE))
    return variants


def _resized(image: Image.Image, side: int) -> tuple[bytes, int, int]:
    copy = image.copy()
    copy.thumbnail((side, side))
    buffer = io.BytesIO()
    copy.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue(), copy.width, copy.height
