"""PRONOTE's ciphers and pipeline, with the protocol notes' test vectors."""

from __future__ import annotations

import base64
import hashlib
import json
import zlib

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from custom_components.school_portal.api.pronote import crypto
from custom_components.school_portal.api.pronote.crypto import DecryptError, Keys
from custom_components.school_portal.api.util import json_loads


def test_order_number_vector() -> None:
    # Notes §1.1 (verified): MD5("") as key, zero IV, "1".
    keys = Keys()
    assert keys.next_order() == "3fa959b13967e0ef176069e01e23c8d7"
    assert keys.counter == 3
    assert (
        keys.next_order()
        == crypto.aes_encrypt(hashlib.md5(b"").digest(), bytes(16), b"3").hex()
    )


def test_aes_round_trip_and_wrong_key() -> None:
    key, iv = crypto.md5(b"k"), crypto.md5(b"iv")
    sealed = crypto.aes_encrypt(key, iv, b"bonjour")
    assert len(sealed) == 16
    assert crypto.aes_decrypt(key, iv, sealed) == b"bonjour"
    with pytest.raises(DecryptError):
        crypto.aes_decrypt(crypto.md5(b"other"), iv, sealed)
    with pytest.raises(DecryptError):
        crypto.aes_decrypt(key, iv, b"short")
    with pytest.raises(DecryptError):
        crypto.from_hex("zz")


def test_request_pipeline_is_hex_then_deflate_then_aes() -> None:
    keys = Keys(iv=crypto.md5(b"seed"))
    payload = {"data": {"é": 1}}
    sealed = keys.encode_request(payload, compress=True, encrypt=True)
    assert sealed == sealed.upper()
    inflated = zlib.decompress(keys.decrypt(bytes.fromhex(sealed)), wbits=-15)
    # The deflated text is the JSON's hex, not the JSON (notes §1.1).
    assert json.loads(bytes.fromhex(inflated.decode())) == payload
    compressed = keys.encode_request(payload, compress=True, encrypt=False)
    assert zlib.decompress(bytes.fromhex(compressed), wbits=-15) == inflated
    assert keys.encode_request(payload, compress=False, encrypt=False) == payload


def test_response_pipeline_has_no_hex_step() -> None:
    keys = Keys(iv=crypto.md5(b"seed"))
    reply = {"data": {"ok": True}}
    raw = crypto.deflate(json.dumps(reply).encode())
    assert (
        keys.decode_response(keys.encrypt(raw).hex(), compress=True, encrypt=True)
        == reply
    )
    assert keys.decode_response(raw.hex(), compress=True, encrypt=False) == reply
    plain = keys.encrypt(json.dumps(reply).encode()).hex()
    assert keys.decode_response(plain, compress=False, encrypt=True) == reply
    assert keys.decode_response(reply, compress=False, encrypt=False) == reply
    with pytest.raises(DecryptError):
        keys.decode_response({"not": "hex"}, compress=True, encrypt=True)
    with pytest.raises(DecryptError):
        keys.decode_response(keys.encrypt(b"junk").hex(), compress=True, encrypt=True)
    with pytest.raises(DecryptError):
        keys.decode_response(
            keys.encrypt(b"not json").hex(), compress=False, encrypt=True
        )


@pytest.mark.parametrize(
    "text",
    [
        '{"a": [1, 2.5, "\u00e9"], "b": {"V": null}}',
        '{"n": NaN, "big": 123456789012345678901234567890}',
        '{"lone": "\\ud800"}',
        '{"same": 1, "same": 2}',
    ],
)
def test_replies_read_as_the_standard_library_reads_them(text: str) -> None:
    """orjson reads replies; what it refuses, json reads: json's result always."""
    keys = Keys(iv=crypto.md5(b"seed"))
    sealed = keys.encrypt(crypto.deflate(text.encode())).hex()
    found = keys.decode_response(sealed, compress=True, encrypt=True)
    assert repr(found) == repr(json.loads(text))
    assert repr(json_loads(text)) == repr(json.loads(text))
    assert repr(json_loads(text.encode())) == repr(json.loads(text))


def test_deflate_is_the_compressobj_stream() -> None:
    data = b"0123456789ABCDEF" * 300 + "é".encode()
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    assert crypto.deflate(data) == compressor.compress(data) + compressor.flush()


def test_password_key_formula() -> None:
    digest = hashlib.sha256(b"ALEApass").hexdigest().upper()
    assert (
        crypto.password_key("user", "pass", "ALEA")
        == hashlib.md5(f"user{digest}".encode()).digest()
    )


def test_challenge_answers() -> None:
    key, iv = crypto.md5(b"k"), crypto.md5(b"iv")
    challenge = crypto.aes_encrypt(key, iv, b"a1b2c3d4").hex()
    assert (
        crypto.solve_challenge(key, iv, challenge)
        == crypto.aes_encrypt(key, iv, b"abcd").hex()
    )
    assert (
        crypto.direct_challenge(key, iv, challenge)
        == crypto.aes_encrypt(key, iv, challenge.encode()).hex()
    )
    with pytest.raises(DecryptError):
        crypto.solve_challenge(crypto.md5(b"wrong"), iv, challenge)
    binary = crypto.aes_encrypt(key, iv, b"\xff\xfe").hex()
    with pytest.raises(DecryptError):
        crypto.solve_challenge(key, iv, binary)


def test_qr_values_and_session_key_bytes() -> None:
    sealed = crypto.aes_encrypt(crypto.md5(b"1234"), bytes(16), b"login").hex()
    assert crypto.decrypt_qr_value("1234", sealed) == "login"
    with pytest.raises(DecryptError):
        crypto.decrypt_qr_value("9999", sealed)
    binary = crypto.aes_encrypt(crypto.md5(b"1234"), bytes(16), b"\xff").hex()
    with pytest.raises(DecryptError):
        crypto.decrypt_qr_value("1234", binary)
    assert crypto.decimal_bytes("1,2,255") == b"\x01\x02\xff"
    with pytest.raises(DecryptError):
        crypto.decimal_bytes("1,x")


def test_inflate_rejects_garbage() -> None:
    with pytest.raises(DecryptError):
        crypto.inflate(b"\xff\xff\xff")


def test_rsa_step_with_our_own_key() -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    numbers = private.public_key().public_numbers()
    seed = b"0123456789abcdef"
    sealed = crypto.rsa_encrypt(seed, numbers.n, numbers.e)
    assert len(sealed) == 128
    assert private.decrypt(sealed, PKCS1v15()) == seed
    # The page's default key is the 1024-bit one of the notes.
    assert hex(crypto.DEFAULT_RSA_MODULUS).upper().startswith("0XB99B77A3")
    assert len(crypto.rsa_encrypt(seed)) == 128
    assert base64.b64encode(sealed)


def _cbc_raw(key: bytes, iv: bytes, data: bytes) -> bytes:
    """AES-CBC without any padding, from the library's own parts."""
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(data) + encryptor.finalize()


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 100])
def test_padding_is_pkcs7(size: int) -> None:
    """The padding written by hand is the library's PKCS#7, both ways."""
    key, iv = crypto.md5(b"k"), crypto.md5(b"iv")
    data = bytes(range(size))
    padder = padding.PKCS7(128).padder()
    padded = padder.update(data) + padder.finalize()
    assert crypto.aes_encrypt(key, iv, data) == _cbc_raw(key, iv, padded)
    assert crypto.aes_decrypt(key, iv, _cbc_raw(key, iv, padded)) == data


@pytest.mark.parametrize(
    "last_block",
    [
        bytes(16),
        b"x" * 15 + b"\x11",
        b"x" * 13 + b"\x02\x03\x03",
        b"\x10" * 15 + b"\x0f",
    ],
)
def test_bad_padding_is_refused(last_block: bytes) -> None:
    key, iv = crypto.md5(b"k"), crypto.md5(b"iv")
    with pytest.raises(DecryptError):
        crypto.aes_decrypt(key, iv, _cbc_raw(key, iv, b"y" * 16 + last_block))


def test_keys_follow_their_key_and_iv() -> None:
    """The session's cipher is made again when its key or IV changes."""
    keys = Keys()
    first = keys.encrypt(b"data")
    assert first == crypto.aes_encrypt(crypto.md5(b""), bytes(16), b"data")
    keys.iv = crypto.md5(b"seed")
    assert keys.encrypt(b"data") == crypto.aes_encrypt(
        crypto.md5(b""), crypto.md5(b"seed"), b"data"
    )
    keys.key = crypto.md5(b"session")
    sealed = crypto.aes_encrypt(keys.key, keys.iv, b"data")
    assert keys.encrypt(b"data") == sealed
    assert keys.decrypt(sealed) == b"data"
    assert keys.encrypt(b"data") != first


@pytest.mark.parametrize(
    "value",
    [
        {"Signature": {"onglet": 16, "membre": {"N": "4A1", "G": 4}}},
        {"data": {"texte": 'é "quoted" \\ \n\t\x00\x1f\x7f\u2028 😀', "n": [1, -2]}},
        {"flags": [True, False, None], "big": 2**63, "empty": {}},
        {"lone": "\ud800"},
        {1: "non-string key"},
        {"huge": 2**70},
    ],
)
def test_requests_are_written_as_json_writes_them(value: object) -> None:
    """orjson writes requests; what it refuses, json writes: json's bytes always."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    try:
        expected = text.encode()
    except UnicodeEncodeError:
        # A lone surrogate has no UTF-8: refused, as the standard library did.
        with pytest.raises(UnicodeEncodeError):
            crypto.json_dumps(value)
        return
    assert crypto.json_dumps(value) == expected
