path "auth/token/create-orphan" {
  capabilities = ["update", "sudo"]
}

path "auth/token/revoke-accessor" {
  capabilities = ["update"]
}
