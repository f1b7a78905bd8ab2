"""The 加解密方案 against 企业微信's own published samples, and round trips of random messages."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from channels.wecom.crypto import (
    DecryptError,
    ReceiverError,
    SignatureError,
    WecomCrypto,
    aes_key,
    signature,
)

# The sample of 企业微信's 加解密方案 documentation and its WXBizMsgCrypt libraries.
TOKEN = "QDG6eK"
CORP_ID = "wx5823bf96d3bd56c7"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"

VERIFY_SIGNATURE = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
VERIFY_TIMESTAMP = "1409659589"
VERIFY_NONCE = "263014780"
VERIFY_ECHOSTR = (
    "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
)
VERIFY_PLAIN = "1616140317555161061"

POST_SIGNATURE = "477715d11cdb4164915debcba66cb864d751f3e6"
POST_TIMESTAMP = "1409659813"
POST_NONCE = "1372623149"
POST_ENCRYPT = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3Qczcd"
    "CUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjv"
    "d4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnv"
    "w2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22"
    "Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2"
    "uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)
POST_PLAIN = (
    "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n"
    "<FromUserName><![CDATA[mycreate]]></FromUserName>\n"
    "<CreateTime>1409659813</CreateTime>\n"
    "<MsgType><![CDATA[text]]></MsgType>\n"
    "<Content><![CDATA[hello]]></Content>\n"
    "<MsgId>4561255354251345929</MsgId>\n"
    "<AgentID>218</AgentID>\n"
    "</xml>"
)

# The second sample, of the Python library's Sample.py (another corp, key and token).
PY_TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
PY_AES_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
PY_CORP_ID = "ww1436e0e65a779aee"


@pytest.fixture
def crypto() -> WecomCrypto:
    return WecomCrypto(TOKEN, AES_KEY, CORP_ID)


def test_the_sample_signatures_are_reproduced() -> None:
    assert signature(TOKEN, VERIFY_TIMESTAMP, VERIFY_NONCE, VERIFY_ECHOSTR) == VERIFY_SIGNATURE
    assert signature(TOKEN, POST_TIMESTAMP, POST_NONCE, POST_ENCRYPT) == POST_SIGNATURE


def test_the_sample_url_verification_answers_the_documented_echostr(
    crypto: WecomCrypto,
) -> None:
    plain = crypto.verify_url(VERIFY_SIGNATURE, VERIFY_TIMESTAMP, VERIFY_NONCE, VERIFY_ECHOSTR)
    assert plain == VERIFY_PLAIN


def test_the_sample_message_decrypts_to_the_documented_xml(crypto: WecomCrypto) -> None:
    plain = crypto.decrypt_message(POST_SIGNATURE, POST_TIMESTAMP, POST_NONCE, POST_ENCRYPT)
    assert plain == POST_PLAIN


def test_the_python_librarys_sample_verifies_and_decrypts() -> None:
    crypto = WecomCrypto(PY_TOKEN, PY_AES_KEY, PY_CORP_ID)
    echo = crypto.verify_url(
        "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb", "1476416373", "47744683",
        "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==",
    )
    assert echo.isdigit()
    message = crypto.decrypt_message(
        "0c3914025cb4b4d68103f6bfc8db550f79dcf48e", "1476422779", "1597212914",
        "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTk"
        "AgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJP"
        "QbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7Mhm"
        "EbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/"
        "oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+",
    )
    assert message == (
        "<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun"
        "</FromUserName><CreateTime>1476422779</CreateTime><MsgType>text</MsgType>"
        "<Content>你好</Content><MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>"
    )


def test_a_changed_value_breaks_the_signature(crypto: WecomCrypto) -> None:
    with pytest.raises(SignatureError):
        crypto.verify_url(VERIFY_SIGNATURE, "1409659590", VERIFY_NONCE, VERIFY_ECHOSTR)
    with pytest.raises(SignatureError):
        crypto.decrypt_message(POST_SIGNATURE, POST_TIMESTAMP, POST_NONCE, POST_ENCRYPT[:-4])


def test_another_corps_message_is_refused() -> None:
    other = WecomCrypto(TOKEN, AES_KEY, "ww0000000000000000")
    with pytest.raises(ReceiverError):
        other.decrypt_message(POST_SIGNATURE, POST_TIMESTAMP, POST_NONCE, POST_ENCRYPT)


@pytest.mark.parametrize(
    "ciphertext", ["not base64!", "", base64.b64encode(b"x" * 15).decode(),
                   base64.b64encode(b"\0" * 32).decode()],
)
def test_garbage_ciphertext_is_a_decrypt_error(crypto: WecomCrypto, ciphertext: str) -> None:
    with pytest.raises(DecryptError):
        crypto.decrypt(ciphertext)


def test_the_aes_key_is_43_base64_characters() -> None:
    assert len(aes_key(AES_KEY)) == 32
    with pytest.raises(ValueError):
        aes_key(AES_KEY[:-1])
    with pytest.raises(ValueError):
        aes_key("!" * 43)


def test_padding_is_to_32_bytes_as_wecom_does(crypto: WecomCrypto) -> None:
    # 16 random + 4 length + 12 message + 18 corp id = 50 bytes: padded to 64, not 64 + 16.
    raw = base64.b64decode(crypto.encrypt("x" * 12, random_bytes=b"r" * 16))
    assert len(raw) == 64
    # Exactly 64 bytes of plaintext gets a whole block of 32 bytes of padding.
    raw = base64.b64decode(crypto.encrypt("x" * 26, random_bytes=b"r" * 16))
    assert len(raw) == 96


@settings(max_examples=50)
@given(message=st.text(max_size=3000), random_bytes=st.binary(min_size=16, max_size=16))
def test_random_messages_round_trip(message: str, random_bytes: bytes) -> None:
    crypto = WecomCrypto(TOKEN, AES_KEY, CORP_ID)
    ciphertext = crypto.encrypt(message, random_bytes=random_bytes)
    sig = crypto.sign("1700000000", "nonce", ciphertext)
    assert crypto.decrypt_message(sig, "1700000000", "nonce", ciphertext) == message


@settings(max_examples=50)
@given(
    token=st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
                  min_size=3, max_size=32),
    key=st.binary(min_size=32, max_size=32),
    corp=st.from_regex(r"ww[0-9a-f]{16}", fullmatch=True),
    message=st.text(max_size=500),
)
def test_round_trips_hold_for_any_app_settings(
    token: str, key: bytes, corp: str, message: str
) -> None:
    encoding_aes_key = base64.b64encode(key).decode().rstrip("=")
    crypto = WecomCrypto(token, encoding_aes_key, corp)
    ciphertext = crypto.encrypt(message)
    assert crypto.decrypt(ciphertext) == message
