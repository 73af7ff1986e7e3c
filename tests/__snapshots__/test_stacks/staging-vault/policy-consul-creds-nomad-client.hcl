path "consul/creds/nomad-client" {
  capabilities = ["read"]
}
