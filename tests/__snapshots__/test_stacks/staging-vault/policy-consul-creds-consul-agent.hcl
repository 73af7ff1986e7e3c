path "consul/creds/consul-agent" {
  capabilities = ["read"]
}
