namespace "default" {
  capabilities = ["submit-job", "read-job"]
}
