path "secret/data/myapp" {
  capabilities = ["read"]
}
