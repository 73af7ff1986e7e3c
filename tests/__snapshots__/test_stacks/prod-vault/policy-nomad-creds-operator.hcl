path "nomad/creds/operator" {
  capabilities = ["read"]
}
