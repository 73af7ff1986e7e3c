path "auth/token/lookup-self" {
  capabilities = ["read"]
}

path "auth/token/renew-self" {
  capabilities = ["update"]
}

path "connect-intermediate/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}

path "connect-root/" {
  capabilities = ["read"]
}

path "connect-root/root/sign-intermediate" {
  capabilities = ["update"]
}

path "sys/mounts/connect-intermediate" {
  capabilities = ["read"]
}

path "sys/mounts/connect-intermediate/tune" {
  capabilities = ["update"]
}

path "sys/mounts/connect-root" {
  capabilities = ["read"]
}
