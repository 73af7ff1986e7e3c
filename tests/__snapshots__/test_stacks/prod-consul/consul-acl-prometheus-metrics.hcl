agent_prefix "" {
  policy = "read"
}
