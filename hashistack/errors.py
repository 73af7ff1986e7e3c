"""One hierarchy for bad input, so a caller can catch every one of them.

`HashistackError` is a `ValueError` (bad input is a bad value) that carries
`path`: where the problem is, when known — a construct path
(`prod-vault/kv`), an environment file (`environments/prod.toml`), a synth
output file, a policy path (`secret/data/*`). The message already names it;
`path` is there for a caller that wants it without parsing the message.

Pure: no cdktf, jsii or Node.
"""

from __future__ import annotations

__all__ = ["FieldError", "HashistackError"]


class HashistackError(ValueError):
    """Bad input to hashistack: one message naming the field, file or construct
    path, and that path in `path` (None where there is none to name).

    Every error type of the library subclasses it: `FieldError`,
    `ConstructError`, `PolicyError`, `HclSyntaxError`, `CheckInputError`,
    `ReviewInputError`, `PlanError` and `stacks.config.ConfigError`.
    """

    path: str | None

    def __init__(self, message: str, *, path: object = None) -> None:
        super().__init__(message)
        self.path = None if path is None else str(path)


class FieldError(HashistackError):
    """An invalid value of one named field, from the pure models and validators
    (`_validate`, `durations`, the jobspec, agent and Vault Agent configs, the
    bootstrap script, the presets, the HCL writer).

    `path` is the field as the message names it ("Task.name", "period",
    "vault_addr", "AgentVaultBlock.address"); None where the raise site does
    not know which field it checks (`durations.seconds("bogus")`).
    """
