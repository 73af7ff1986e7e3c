node_prefix "prod-" {
  policy = "write"
}

agent_prefix "prod-" {
  policy = "write"
}

service_prefix "" {
  policy = "read"
}
