"""PRONOTE's cryptography: AES-128-CBC under MD5 keys, deflate, RSA (docs/pronote-wire.md).

Pure functions and one small key holder; nothing here does I/O. Failures to
decrypt raise `DecryptError`, which the session layer turns into the error that
fits the moment (a bad password, a QR code with the wrong PIN, a broken reply).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import zlib
from dataclasses import dataclass, field
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicNumbers
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ..util import json_loads

BLOCK = 16
ZERO_IV = bytes(BLOCK)
# The 1024-bit public key PRONOTE's web page carries for the `http` flag
# (protocol notes §1.1, identical in pronotepy and Pawnote).
DEFAULT_RSA_MODULUS = int(
    "B99B77A3D72D3A29B4271FC7B7300E2F791EB8948174BE7B8024667E915446D4"
    "EEA0C2424B8D1EBF7E2DDFF94691C6E994E839225C627D140A8F1146D1B0B5F1"
    "8A09BBD3D8F421CA1E3E4796B301EEBCCF80D81A32A1580121B8294433C38377"
    "083C5517D5921E8A078CDC019B15775292EFDA2C30251B1CCABE812386C893E5",
    16,
)
DEFAULT_RSA_EXPONENT = 65537


class DecryptError(ValueError):
    """A ciphertext that does not decrypt under the key and IV we hold."""


def md5(data: bytes) -> bytes:
    """MD5 as PRONOTE uses it: to derive keys and IVs, not for security."""
    return hashlib.md5(data, usedforsecurity=False).digest()


def _cbc(key: bytes, iv: bytes) -> Cipher[modes.CBC]:
    return Cipher(algorithms.AES(key), modes.CBC(iv))


def _seal(cipher: Cipher[modes.CBC], data: bytes) -> bytes:
    # PKCS#7 by hand: the padder object cost more than encrypting a request.
    fill = BLOCK - len(data) % BLOCK
    encryptor = cipher.encryptor()
    return encryptor.update(data + bytes((fill,)) * fill) + encryptor.finalize()


def _unseal(cipher: Cipher[modes.CBC], data: bytes) -> bytes:
    if not data or len(data) % BLOCK:
        raise DecryptError("Ciphertext length is not a whole number of blocks")
    decryptor = cipher.decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    fill = padded[-1]
    if not 1 <= fill <= BLOCK or padded[-fill:] != bytes((fill,)) * fill:
        raise DecryptError("Bad padding: wrong key or IV")
    return padded[:-fill]


def aes_encrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    """AES-CBC with PKCS#7 padding."""
    return _seal(_cbc(key, iv), data)


def aes_decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    """The inverse of `aes_encrypt`; `DecryptError` when it does not fit."""
    return _unseal(_cbc(key, iv), data)


def from_hex(text: str) -> bytes:
    """Hex text (either case) to bytes; `DecryptError` when it is not hex."""
    try:
        return bytes.fromhex(text)
    except (TypeError, ValueError) as err:
        raise DecryptError("Not hex text") from err


def rsa_encrypt(
    data: bytes,
    modulus: int = DEFAULT_RSA_MODULUS,
    exponent: int = DEFAULT_RSA_EXPONENT,
) -> bytes:
    """RSA PKCS#1 v1.5, for the IV seed when the page sets `http`."""
    key = RSAPublicNumbers(exponent, modulus).public_key()
    return key.encrypt(data, PKCS1v15())


def deflate(data: bytes) -> bytes:
    """Raw DEFLATE (no zlib header), level 6."""
    # One call: the same stream as a compressobj's, at half its cost. Level
    # and window were measured (issue 13): a lower level or a 512-byte window
    # saves under 5 µs of the ~20 µs a request's deflate costs.
    return zlib.compress(data, 6, wbits=-15)


def inflate(data: bytes) -> bytes:
    """Raw INFLATE; `DecryptError` when the bytes are not a deflate stream."""
    try:
        return zlib.decompress(data, wbits=-15)
    except zlib.error as err:
        raise DecryptError("Not a deflate stream") from err


def password_key(username: str, secret: str, alea: str) -> bytes:
    """The login key: MD5(username + UPPER(HEX(SHA-256(alea + secret))))."""
    digest = hashlib.sha256((alea + secret).encode()).hexdigest().upper()
    return md5((username + digest).encode())


def decimal_bytes(text: str) -> bytes:
    """'12,250,3' (how PRONOTE spells the session key) to bytes."""
    try:
        return bytes(int(part) for part in text.split(","))
    except ValueError as err:
        raise DecryptError("Not a comma-separated byte list") from err


@dataclass(slots=True)
class Keys:
    """The AES key and IV of one PRONOTE session, and its request counter."""

    key: bytes = field(default_factory=lambda: md5(b""))
    iv: bytes = ZERO_IV
    # The 16 random bytes whose MD5 becomes the IV after the first call.
    seed: bytes = field(default_factory=lambda: secrets.token_bytes(BLOCK))
    counter: int = 1
    # The cipher of (key, iv), made again when either changes: each request
    # and reply used to build it twice (order number, data) or once.
    _cipher: tuple[bytes, bytes, Cipher[modes.CBC]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def _current(self) -> Cipher[modes.CBC]:
        made = self._cipher
        if made is None or made[0] != self.key or made[1] != self.iv:
            made = self._cipher = (self.key, self.iv, _cbc(self.key, self.iv))
        return made[2]

    def encrypt(self, data: bytes) -> bytes:
        """Encrypt under the session's key and IV."""
        return _seal(self._current(), data)

    def decrypt(self, data: bytes) -> bytes:
        """Decrypt under the session's key and IV."""
        return _unseal(self._current(), data)

    def next_order(self) -> str:
        """The order number of the next request (hex AES of the counter)."""
        order = self.encrypt(str(self.counter).encode()).hex()
        self.counter += 2
        return order

    def encode_request(self, payload: Any, *, compress: bool, encrypt: bool) -> Any:
        """The secure data field of a request: JSON -> hex -> deflate -> AES -> hex.

        Plain requests send the object itself; compressed requests deflate the
        JSON's hex text, not the JSON (known asymmetry, notes §1.1).
        """
        if not compress and not encrypt:
            return payload
        raw = json_dumps(payload)
        if compress:
            raw = deflate(raw.hex().encode())
        if encrypt:
            raw = self.encrypt(raw)
        return raw.hex().upper()

    def decode_response(self, secure: Any, *, compress: bool, encrypt: bool) -> Any:
        """The JSON of a reply's secure data field (AES -> inflate, no hex step)."""
        if not compress and not encrypt:
            return secure
        if not isinstance(secure, str):
            raise DecryptError("Secure data is not hex text")
        raw = from_hex(secure)
        if encrypt:
            raw = self.decrypt(raw)
        if compress:
            raw = inflate(raw)
        return _loads(raw)


def _loads(raw: bytes) -> Any:
    try:
        return json_loads(raw)
    except ValueError as err:  # UnicodeDecodeError included
        raise DecryptError("Secure data is not JSON") from err


def json_dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON, as ``json.dumps(ensure_ascii=False)`` spells it.

    orjson writes it in a tenth of the time; what it refuses (non-string
    keys, lone surrogates, integers beyond 64 bits) json writes. Floats may be
    spelt differently (1e16, not 1e+16): the same number.
    """
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def solve_challenge(key: bytes, iv: bytes, challenge: str) -> str:
    """The pre-2026 answer: decrypt, keep every other character, re-encrypt."""
    plain = aes_decrypt(key, iv, from_hex(challenge))
    try:
        text = plain.decode()
    except UnicodeDecodeError as err:
        raise DecryptError("The challenge is not text") from err
    return aes_encrypt(key, iv, text[::2].encode()).hex()


def direct_challenge(key: bytes, iv: bytes, challenge: str) -> str:
    """The answer of servers that stopped wrapping the challenge (2026.2.5+)."""
    return aes_encrypt(key, iv, challenge.encode()).hex()


def decrypt_qr_value(pin: str, value: str) -> str:
    """One field of a login QR code: hex AES under MD5(PIN), zero IV."""
    plain = aes_decrypt(md5(pin.encode()), ZERO_IV, from_hex(value))
    try:
        return plain.decode()
    except UnicodeDecodeError as err:
        raise DecryptError("QR field is not text") from err
