namespace "default" {
  policy = "write"
}

node {
  policy = "write"
}

agent {
  policy = "read"
}

operator {
  policy = "read"
}

plugin {
  policy = "read"
}
