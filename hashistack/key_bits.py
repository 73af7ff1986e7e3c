"""Private key sizes each product accepts, side by side (pure).

Consul's Connect CA and Vault's PKI engine both take a key type and size, and
accept different sizes: one table each, named for its product, with the check
that product makes.
"""

from __future__ import annotations

# Consul's Connect CA (CommonCAProviderConfig.Validate, hashicorp/consul
# agent/structs/connect_ca.go): ec 224/256/384/521, rsa 2048/4096.
CONSUL_CA_KEY_BITS: dict[str, tuple[int, ...]] = {
    "ec": (224, 256, 384, 521), "rsa": (2048, 4096),
}
# Vault's PKI engine (sdk/helper/certutil ValidateKeyTypeLength): rsa
# 2048/3072/4096/8192, ec 224/256/384/521.
VAULT_PKI_KEY_BITS: dict[str, tuple[int, ...]] = {
    "rsa": (2048, 3072, 4096, 8192), "ec": (224, 256, 384, 521),
}


def consul_ca_key_problem(key_type: str, key_bits: int) -> str | None:
    """Why Consul's Connect CA would refuse this key, quoting Consul, or None."""
    if key_type not in CONSUL_CA_KEY_BITS:
        return f"PrivateKeyType {key_type!r}: \"private key type must be either 'ec' or 'rsa'\""
    if key_bits not in CONSUL_CA_KEY_BITS[key_type]:
        allowed = ", ".join(map(str, CONSUL_CA_KEY_BITS[key_type]))
        return f"PrivateKeyBits {key_bits}: {key_type} keys must be one of ({allowed}) bits"
    return None


def check_vault_pki_key_bits(key_type: str, key_bits: int) -> None:
    """Raise ValueError unless Vault's PKI engine accepts this key type and size."""
    allowed = VAULT_PKI_KEY_BITS.get(key_type)
    if allowed is None:
        raise ValueError(f"key_type {key_type!r}: use one of {', '.join(VAULT_PKI_KEY_BITS)}")
    if key_bits not in allowed:
        raise ValueError(
            f"key_bits {key_bits}: {key_type} keys are {', '.join(map(str, allowed))} bits"
        )
