"""A secret a resource needs, taken from a sensitive Terraform variable.

The synthesized JSON holds only `${var.<name>}`; the value is given at deploy
time as `TF_VAR_<name>` (Terraform reads variables from the environment:
"Terraform searches the environment of its own process for environment
variables named TF_VAR_ followed by the name of a declared variable",
Terraform docs, Input Variables). `sensitive = true` keeps it out of plan
output and logs. The provider still stores what it sends in the state (the
TPV resource docs warn of this for every argument), so the state backend must
be protected like the secret itself.
"""

from __future__ import annotations

from cdktf import TerraformVariable
from constructs import Construct

from hashistack._cdktf import ConstructError
from hashistack._validate import TF_VARIABLE


def secret_variable(scope: Construct, name: str, description: str) -> TerraformVariable:
    """A sensitive string variable named `name` exactly (its TF_VAR_ name), under `scope`."""
    if not isinstance(name, str) or not TF_VARIABLE.fullmatch(name):
        raise ConstructError(scope, f"token_variable {name!r} must be a Terraform variable "
                                    "name (letters, digits, '_'; usable after TF_VAR_)")
    variable = TerraformVariable(scope, name, type="string", sensitive=True,
                                 description=description)
    variable.override_logical_id(name)  # TF_VAR_<name>, wherever the construct sits
    return variable
