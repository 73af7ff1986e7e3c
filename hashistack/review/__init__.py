"""Pull-request previews: two synth outputs compared by what they mean.

Pure Python over synthesized JSON (no cdktf, jsii or Node): resources added,
changed, replaced and destroyed; for each identity, the Vault capabilities it
gains and loses (hashistack.vault.acl); alarms a reviewer must see first.
"""
