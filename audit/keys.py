"""The keys that seal the audit trail (HMAC-SHA256 over each checkpoint).

Read from ``AUDIT_HMAC_KEYS``: comma-separated ``key_id:base64key`` pairs, the first the one
new checkpoints are sealed with, the others kept only so that checkpoints sealed before a
rotation still verify. Pure Python (no models): panel/settings.py checks the value at start.
"""

from __future__ import annotations

import base64
import binascii

from django.core.exceptions import ImproperlyConfigured

# Only used with DEBUG on (local development, tests, the demo); refused with DEBUG off, as
# the development SECRET_KEY is. Anyone can read it here, so it protects nothing.
DEV_KEY_ID = "dev-insecure"
INSECURE_DEV_AUDIT_HMAC_KEYS = (
    DEV_KEY_ID + ":" + base64.b64encode(b"safeguard-panel local development audit key!").decode()
)
MIN_KEY_BYTES = 32


def parse_keys(value: str) -> dict[str, bytes]:
    """{key id: key}, in the order given (the first is the current key). Raises ValueError
    on a malformed list."""
    keys: dict[str, bytes] = {}
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        key_id, sep, encoded = item.partition(":")
        key_id = key_id.strip()
        if not sep or not key_id or len(key_id) > 20:
            raise ValueError("each key is key_id:base64key, the id 1-20 characters")
        if key_id in keys:
            raise ValueError(f"key id {key_id} is given twice")
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError) as error:
            raise ValueError(f"key {key_id} is not valid base64") from error
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(f"key {key_id} must be at least {MIN_KEY_BYTES} bytes")
        keys[key_id] = key
    if not keys:
        raise ValueError("no key given")
    return keys


def check_audit_hmac_keys(value: str, *, debug: bool) -> None:
    """Refuse to start with a malformed key list, or, with DEBUG off, with no key or the
    development key."""
    try:
        keys = parse_keys(value)
    except ValueError as error:
        if debug and not value:
            return
        raise ImproperlyConfigured(
            f"AUDIT_HMAC_KEYS is not usable ({error}). Generate a key with: python -c "
            '\'import base64, secrets; print("k1:" + base64.b64encode(secrets.token_bytes(32))'
            ".decode())'"
        ) from error
    dev_key = parse_keys(INSECURE_DEV_AUDIT_HMAC_KEYS)[DEV_KEY_ID]
    if not debug and (DEV_KEY_ID in keys or dev_key in keys.values()):
        raise ImproperlyConfigured(
            "Safeguard Panel will not start with DEBUG off: AUDIT_HMAC_KEYS holds the "
            "development audit key; set a random key of your own."
        )
