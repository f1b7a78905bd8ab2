"""企业微信's 加解密方案 (what its WXBizMsgCrypt libraries implement), on ``cryptography``.

- ``msg_signature`` = SHA1 of the sorted, concatenated token, timestamp, nonce and ciphertext.
- AESKey = Base64_Decode(EncodingAESKey + "="): 32 bytes; AES-256-CBC with IV = AESKey[:16],
  PKCS#7 padding to a multiple of 32 bytes.
- plaintext = 16 random bytes + 4-byte big-endian length of msg + msg + receiveid; for a
  self-built app's callbacks the receiveid is the corp id, and it must match.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK_BITS = 32 * 8  # 企业微信 pads to 32 bytes, not AES's 16


class CryptoError(ValueError):
    """A callback that cannot be trusted or read."""


class SignatureError(CryptoError):
    """The msg_signature does not match: the request is not from 企业微信 (or was altered)."""


class ReceiverError(CryptoError):
    """The message decrypted, but it is addressed to another corp (receiveid mismatch)."""


class DecryptError(CryptoError):
    """The ciphertext is not valid Base64, AES-CBC or the plaintext layout."""


def signature(token: str, timestamp: str, nonce: str, ciphertext: str) -> str:
    """Return 企业微信's msg_signature over the four values."""
    joined = "".join(sorted((token, timestamp, nonce, ciphertext)))
    return hashlib.sha1(joined.encode()).hexdigest()


def aes_key(encoding_aes_key: str) -> bytes:
    """Decode a 43-character EncodingAESKey into the 32-byte AES key."""
    if len(encoding_aes_key) != 43:
        raise ValueError("EncodingAESKey must be 43 characters long")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error as error:
        raise ValueError("EncodingAESKey is not Base64") from error
    return key


class WecomCrypto:
    """Sign, verify, encrypt and decrypt 企业微信 callbacks for one app."""

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str) -> None:
        self.token = token
        self.key = aes_key(encoding_aes_key)
        self.receive_id = receive_id

    def sign(self, timestamp: str, nonce: str, ciphertext: str) -> str:
        """Return the msg_signature for a ciphertext."""
        return signature(self.token, timestamp, nonce, ciphertext)

    def verify(self, msg_signature: str, timestamp: str, nonce: str, ciphertext: str) -> None:
        """Raise ``SignatureError`` unless ``msg_signature`` signs the ciphertext."""
        expected = self.sign(timestamp, nonce, ciphertext)
        if not hmac.compare_digest(expected, msg_signature.lower()):
            raise SignatureError("msg_signature does not match")

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def encrypt(self, message: str, random_bytes: bytes | None = None) -> str:
        """Return the Base64 ciphertext of ``message`` for this app's receiveid."""
        random_bytes = os.urandom(16) if random_bytes is None else random_bytes
        if len(random_bytes) != 16:
            raise ValueError("random_bytes must be 16 bytes")
        body = message.encode()
        plain = random_bytes + struct.pack(">I", len(body)) + body + self.receive_id.encode()
        padder = padding.PKCS7(BLOCK_BITS).padder()
        padded = padder.update(plain) + padder.finalize()
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode()

    def decrypt(self, ciphertext: str) -> str:
        """Return the message inside a Base64 ciphertext; check it is for this receiveid."""
        try:
            raw = base64.b64decode(ciphertext, validate=True)
        except (binascii.Error, ValueError) as error:
            raise DecryptError("ciphertext is not Base64") from error
        if not raw or len(raw) % 16:
            raise DecryptError("ciphertext is not a whole number of AES blocks")
        decryptor = self._cipher().decryptor()
        padded = decryptor.update(raw) + decryptor.finalize()
        unpadder = padding.PKCS7(BLOCK_BITS).unpadder()
        try:
            plain = unpadder.update(padded) + unpadder.finalize()
        except ValueError as error:
            raise DecryptError("bad PKCS#7 padding") from error
        if len(plain) < 20:
            raise DecryptError("plaintext too short")
        (length,) = struct.unpack(">I", plain[16:20])
        if 20 + length > len(plain):
            raise DecryptError("message length runs past the plaintext")
        body, receiver = plain[20 : 20 + length], plain[20 + length :]
        if not hmac.compare_digest(receiver, self.receive_id.encode()):
            raise ReceiverError("receiveid does not match this corp")
        try:
            return body.decode()
        except UnicodeDecodeError as error:
            raise DecryptError("message is not UTF-8") from error

    def verify_url(self, msg_signature: str, timestamp: str, nonce: str, echostr: str) -> str:
        """Check a GET verification and return the plaintext echostr to answer with."""
        self.verify(msg_signature, timestamp, nonce, echostr)
        return self.decrypt(echostr)

    def decrypt_message(
        self, msg_signature: str, timestamp: str, nonce: str, ciphertext: str
    ) -> str:
        """Check a POSTed callback's signature and return its plaintext XML."""
        self.verify(msg_signature, timestamp, nonce, ciphertext)
        return self.decrypt(ciphertext)
