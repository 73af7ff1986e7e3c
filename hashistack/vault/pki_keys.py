"""Key sizes Vault's PKI engine accepts (pure): kept for its old import path;
the table and the check live in `hashistack.key_bits` beside Consul's."""

from __future__ import annotations

from hashistack.key_bits import VAULT_PKI_KEY_BITS as KEY_BITS
from hashistack.key_bits import check_vault_pki_key_bits as check_key_bits

__all__ = ["KEY_BITS", "check_key_bits"]
