"""A glTF 2.0 binary (GLB) cube, and the atomic file writer, with the standard library alone.

Standard library only on purpose: `static/build.py` imports this module with the system
Python (no virtualenv, no Pillow) to put the demo model next to the Mini App's assets.
"""

from __future__ import annotations

import json
import os
import struct
import tempfile
from pathlib import Path

GLB_MAGIC = 0x46546C67  # b"glTF" read as a little-endian uint32
GLB_VERSION = 2
CHUNK_JSON = 0x4E4F534A  # b"JSON"
CHUNK_BIN = 0x004E4942  # b"BIN\0"
PUBLIC_FILE_MODE = 0o644

_FLOAT = 5126  # accessor componentType FLOAT
_UNSIGNED_SHORT = 5123
_ARRAY_BUFFER = 34962
_ELEMENT_ARRAY_BUFFER = 34963
_TRIANGLES = 4

# One face per axis direction: (normal, two in-plane axes whose cross product is the normal).
_FACES = (
    ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
    ((-1, 0, 0), (0, 0, 1), (0, 1, 0)),
    ((0, 1, 0), (0, 0, 1), (1, 0, 0)),
    ((0, -1, 0), (1, 0, 0), (0, 0, 1)),
    ((0, 0, 1), (1, 0, 0), (0, 1, 0)),
    ((0, 0, -1), (0, 1, 0), (1, 0, 0)),
)


def _cube_geometry(half: float) -> tuple[list[float], list[float], list[int]]:
    """24 vertices (4 per face, so that every face has its own flat normal) and 36 indices."""
    positions: list[float] = []
    normals: list[float] = []
    indices: list[int] = []
    for normal, u, v in _FACES:
        base = len(positions) // 3
        for su, sv in ((-1, -1), (1, -1), (1, 1), (-1, 1)):  # counter-clockwise seen from outside
            for axis in range(3):
                positions.append(half * (normal[axis] + su * u[axis] + sv * v[axis]))
            normals.extend(float(n) for n in normal)
        indices += [base, base + 1, base + 2, base, base + 2, base + 3]
    return positions, normals, indices


def _pad(data: bytes, filler: bytes) -> bytes:
    return data + filler * (-len(data) % 4)


def build_cube_glb(
    *, size: float = 1.0, color: tuple[float, float, float, float] = (0.95, 0.55, 0.2, 1.0)
) -> bytes:
    """The bytes of a GLB file holding one cube of edge `size` with a base-colour material."""
    positions, normals, indices = _cube_geometry(size / 2)
    position_bytes = struct.pack(f"<{len(positions)}f", *positions)
    normal_bytes = struct.pack(f"<{len(normals)}f", *normals)
    index_bytes = _pad(struct.pack(f"<{len(indices)}H", *indices), b"\0")
    binary = position_bytes + normal_bytes + index_bytes
    vertex_count = len(positions) // 3
    half = size / 2
    document = {
        "asset": {"version": "2.0", "generator": "Prilavok services.gltf"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0, "name": "DemoCube"}],
        "meshes": [
            {
                "name": "DemoCube",
                "primitives": [
                    {
                        "attributes": {"POSITION": 0, "NORMAL": 1},
                        "indices": 2,
                        "material": 0,
                        "mode": _TRIANGLES,
                    }
                ],
            }
        ],
        "materials": [
            {
                "name": "Prilavok orange",
                "pbrMetallicRoughness": {
                    "baseColorFactor": list(color),
                    "metallicFactor": 0.0,
                    "roughnessFactor": 0.6,
                },
            }
        ],
        "buffers": [{"byteLength": len(binary)}],
        "bufferViews": [
            {
                "buffer": 0,
                "byteOffset": 0,
                "byteLength": len(position_bytes),
                "target": _ARRAY_BUFFER,
            },
            {
                "buffer": 0,
                "byteOffset": len(position_bytes),
                "byteLength": len(normal_bytes),
                "target": _ARRAY_BUFFER,
            },
            {
                "buffer": 0,
                "byteOffset": len(position_bytes) + len(normal_bytes),
                "byteLength": len(indices) * 2,
                "target": _ELEMENT_ARRAY_BUFFER,
            },
        ],
        "accessors": [
            {
                "bufferView": 0,
                "componentType": _FLOAT,
                "count": vertex_count,
                "type": "VEC3",
                "min": [-half, -half, -half],  # required on POSITION by the glTF spec
                "max": [half, half, half],
            },
            {"bufferView": 1, "componentType": _FLOAT, "count": vertex_count, "type": "VEC3"},
            {
                "bufferView": 2,
                "componentType": _UNSIGNED_SHORT,
                "count": len(indices),
                "type": "SCALAR",
            },
        ],
    }
    json_bytes = _pad(json.dumps(document, separators=(",", ":")).encode(), b" ")
    chunks = struct.pack("<II", len(json_bytes), CHUNK_JSON) + json_bytes
    chunks += struct.pack("<II", len(binary), CHUNK_BIN) + binary
    header = struct.pack("<III", GLB_MAGIC, GLB_VERSION, 12 + len(chunks))
    return header + chunks


def write_atomically(path: Path, data: bytes) -> Path:
    """Replace `path` with `data` in one step, readable by all; readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        # mkstemp makes 0600 files; catalogue media is public and a proxy may serve it.
        os.chmod(tmp, PUBLIC_FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_demo_glb(path: Path) -> Path:
    """Write the demo cube GLB to `path`."""
    return write_atomically(path, build_cube_glb())
