"""Each product's key sizes, in one module (hashistack.key_bits), under their old names too."""

from __future__ import annotations

import pytest

from hashistack.consul import connect_ca_config
from hashistack.key_bits import (
    CONSUL_CA_KEY_BITS,
    VAULT_PKI_KEY_BITS,
    check_vault_pki_key_bits,
    consul_ca_key_problem,
)
from hashistack.vault import pki_keys


def test_old_names_are_the_one_tables():
    assert connect_ca_config.KEY_BITS is CONSUL_CA_KEY_BITS
    assert pki_keys.KEY_BITS is VAULT_PKI_KEY_BITS
    assert pki_keys.check_key_bits is check_vault_pki_key_bits


def test_the_products_differ_where_they_do():
    # Vault's PKI takes rsa 3072 and 8192; Consul's Connect CA does not.
    check_vault_pki_key_bits("rsa", 3072)
    assert consul_ca_key_problem("rsa", 3072) == (
        "PrivateKeyBits 3072: rsa keys must be one of (2048, 4096) bits")
    assert consul_ca_key_problem("ec", 256) is None
    assert "must be either 'ec' or 'rsa'" in str(consul_ca_key_problem("ed25519", 256))
    with pytest.raises(ValueError, match="key_bits 1000: ec keys are 224, 256, 384, 521 bits"):
        check_vault_pki_key_bits("ec", 1000)
    with pytest.raises(ValueError, match="key_type 'dsa': use one of rsa, ec"):
        check_vault_pki_key_bits("dsa", 2048)
