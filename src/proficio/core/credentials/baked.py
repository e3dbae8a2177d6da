"""Baked badges: a credential carried inside its image (Open Badges 3.0, "Baking").

PNG: an ``iTXt`` chunk with the keyword ``openbadgecredential`` whose text is the
credential (JSON or a compact JWT). SVG: an ``openbadges:credential`` element in the
``https://purl.imsglobal.org/ob/v3p0`` namespace holding the same text."""

from __future__ import annotations

import struct
import zlib
from xml.etree import ElementTree as ET

from proficio.core.credentials.errors import CredentialError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYWORD = b"openbadgecredential"
SVG_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
MAX_TEXT = 2 * 1024 * 1024


def _chunks(data: bytes) -> list[tuple[bytes, bytes, int]]:
    """(type, data, offset of the chunk) for each PNG chunk; CRCs are checked."""
    if not data.startswith(PNG_SIGNATURE):
        raise CredentialError("The file is not a PNG image.")
    pos, out = len(PNG_SIGNATURE), []
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if len(body) != length or pos + 12 + length > len(data):
            raise CredentialError("The PNG image is cut short.")
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise CredentialError("The PNG image is damaged (a chunk fails its checksum).")
        out.append((kind, body, pos))
        pos += 12 + length
        if kind == b"IEND":
            return out
    raise CredentialError("The PNG image has no end marker.")


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def bake_png(image: bytes, credential_text: str) -> bytes:
    """The PNG with the credential baked in (replacing any credential already there)."""
    chunks = _chunks(image)
    body = KEYWORD + b"\0\0\0\0\0" + credential_text.encode("utf-8")
    out = [PNG_SIGNATURE]
    for kind, data, _ in chunks:
        if kind == b"iTXt" and data.split(b"\0", 1)[0] == KEYWORD:
            continue
        if kind == b"IEND":
            out.append(_chunk(b"iTXt", body))
        out.append(_chunk(kind, data))
    return b"".join(out)


def unbake_png(image: bytes) -> str:
    for kind, data, _ in _chunks(image):
        if kind != b"iTXt":
            continue
        keyword, _, rest = data.partition(b"\0")
        if keyword != KEYWORD:
            continue
        if len(rest) < 2:
            raise CredentialError("The badge image's credential text is damaged.")
        compressed, text = rest[0], rest[2:]
        _lang, _, text = text.partition(b"\0")
        _translated, _, text = text.partition(b"\0")
        if compressed:
            unzip = zlib.decompressobj()
            try:
                text = unzip.decompress(text, MAX_TEXT)
            except zlib.error as exc:
                raise CredentialError("The badge image's credential text is damaged.") from exc
            if unzip.unconsumed_tail:
                raise CredentialError("The badge image's credential is too large.")
        try:
            return text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CredentialError("The badge image's credential text is not UTF-8.") from exc
    raise CredentialError(
        "This image carries no credential: it is a picture of a badge, not a badge "
        "with its credential baked in."
    )


def bake_svg(svg: str, credential_text: str) -> str:
    """The SVG with an ``openbadges:credential`` element right after the opening tag."""
    start = svg.find("<svg")
    end = svg.find(">", start)
    if start < 0 or end < 0:
        raise CredentialError("The file is not an SVG image.")
    head = svg[:end]
    if "xmlns:openbadges" not in head:
        head += f' xmlns:openbadges="{SVG_NAMESPACE}"'
    if "]]>" in credential_text:
        raise CredentialError("The credential text cannot be placed in an SVG.")
    element = f"<openbadges:credential><![CDATA[{credential_text}]]></openbadges:credential>"
    return head + ">" + element + svg[end + 1 :]


def unbake_svg(svg: bytes) -> str:
    lowered = svg[:4096].lower()
    if b"<!doctype" in lowered or b"<!entity" in svg.lower():
        raise CredentialError("SVG files with a DOCTYPE or entities are refused.")
    try:
        root = ET.fromstring(svg)  # noqa: S314 (no DOCTYPE: no entities to expand)
    except ET.ParseError as exc:
        raise CredentialError("The file is not a readable SVG image.") from exc
    element = root.find(f".//{{{SVG_NAMESPACE}}}credential")
    if element is None or not (element.text or "").strip():
        raise CredentialError(
            "This image carries no credential: it is a picture of a badge, not a badge "
            "with its credential baked in."
        )
    return (element.text or "").strip()
