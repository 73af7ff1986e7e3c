namespace "default" {
  policy = "read"
}

node {
  policy = "read"
}

agent {
  policy = "read"
}
