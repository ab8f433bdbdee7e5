"""The server side of PRONOTE's crypto, written apart from the client's on purpose.

Sharing the client's module would let a bug agree with itself; pronotepy
(tests/conformance) checks this side, the notes' vectors check the client's.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


class BadCipher(Exception):
    """Something did not decrypt or decode."""


def md5(data: bytes) -> bytes:
    """MD5 digest (PRONOTE's key and IV derivation)."""
    return hashlib.md5(data, usedforsecurity=False).digest()


def encrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    """AES-CBC, PKCS#7."""
    padder = padding.PKCS7(128).padder()
    body = padder.update(data) + padder.finalize()
    cipher = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return cipher.update(body) + cipher.finalize()


def decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    """AES-CBC, PKCS#7; `BadCipher` on a wrong key."""
    if not data or len(data) % 16:
        raise BadCipher("length")
    cipher = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    body = cipher.update(data) + cipher.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(body) + unpadder.finalize()
    except ValueError as err:
        raise BadCipher("padding") from err


def hex_encrypt(key: bytes, iv: bytes, text: str) -> str:
    """Hex of AES(text)."""
    return encrypt(key, iv, text.encode()).hex()


def login_key(username: str, secret: str, alea: str) -> bytes:
    """MD5(username + UPPER(HEX(SHA-256(alea + secret))))."""
    return md5(
        (
            username + hashlib.sha256((alea + secret).encode()).hexdigest().upper()
        ).encode()
    )


def decode_request(
    secure: Any, key: bytes, iv: bytes, *, compress: bool, crypt: bool
) -> Any:
    """A request's secure field: hex -> AES -> inflate -> hex text -> JSON."""
    if not compress and not crypt:
        return secure
    if not isinstance(secure, str):
        raise BadCipher("not text")
    try:
        raw = bytes.fromhex(secure)
        if crypt:
            raw = decrypt(key, iv, raw)
        if compress:
            raw = bytes.fromhex(zlib.decompress(raw, wbits=-15).decode())
        return json.loads(raw.decode())
    except (ValueError, zlib.error, UnicodeDecodeError) as err:
        raise BadCipher("decode") from err


def encode_reply(
    payload: Any, key: bytes, iv: bytes, *, compress: bool, crypt: bool
) -> Any:
    """A reply's secure field: JSON -> deflate (no hex step) -> AES -> hex."""
    if not compress and not crypt:
        return payload
    raw = json.dumps(payload, ensure_ascii=False).encode()
    if compress:
        deflater = zlib.compressobj(6, zlib.DEFLATED, -15)
        raw = deflater.compress(raw) + deflater.flush()
    if crypt:
        raw = encrypt(key, iv, raw)
    return raw.hex().upper()
