"""Key sizes Vault's PKI engine accepts (pure)."""

from __future__ import annotations

# Vault sdk/helper/certutil ValidateKeyTypeLength: rsa 2048/3072/4096/8192,
# ec 224/256/384/521.
KEY_BITS = {"rsa": (2048, 3072, 4096, 8192), "ec": (224, 256, 384, 521)}


def check_key_bits(key_type: str, key_bits: int) -> None:
    allowed = KEY_BITS.get(key_type)
    if allowed is None:
        raise ValueError(f"key_type {key_type!r}: use one of {', '.join(KEY_BITS)}")
    if key_bits not in allowed:
        raise ValueError(
            f"key_bits {key_bits}: {key_type} keys are {', '.join(map(str, allowed))} bits"
        )
