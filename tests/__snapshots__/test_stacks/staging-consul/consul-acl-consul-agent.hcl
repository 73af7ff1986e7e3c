node_prefix "staging-" {
  policy = "write"
}

agent_prefix "staging-" {
  policy = "write"
}

service_prefix "" {
  policy = "read"
}
