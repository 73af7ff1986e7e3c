path "nomad/creds/read-only" {
  capabilities = ["read"]
}
