"""hashistack: the Nomad + Consul + Vault integration as CDK for Terraform constructs.

The pure core (policy model, ACL engine, HCL writer, jobspec and agent-config
models, checks) never imports cdktf; the construct shells live in
`hashistack.vault`, `hashistack.consul` and `hashistack.nomad`.
"""

from hashistack.errors import FieldError, HashistackError

__all__ = ["FieldError", "HashistackError"]
