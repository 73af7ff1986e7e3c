path "consul/creds/nomad-server" {
  capabilities = ["read"]
}
