path "nomad/creds/ci-deploy" {
  capabilities = ["read"]
}
