node_prefix "staging-" {
  policy = "write"
}

service_prefix "" {
  policy = "read"
}
