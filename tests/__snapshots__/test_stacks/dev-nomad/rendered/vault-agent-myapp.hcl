vault {
  address = "http://127.0.0.1:8200"
}

auto_auth {
  method "approle" {
    mount_path = "auth/approle"
    config     = {
      role_id_file_path = "/etc/vault-agent/myapp/role_id"
      secret_id_file_path = "/etc/vault-agent/myapp/secret_id"
      remove_secret_id_file_after_reading = false
    }
  }
  sink "file" {
    config = {
      path = "/run/vault-agent/myapp/token"
      mode = 384
    }
  }
}

template {
  contents    = <<EOT
{{ with secret "secret/data/myapp" }}
DB_USER={{ .Data.data.username }}
DB_PASS={{ .Data.data.password }}
{{ end }}
EOT
  destination = "/etc/secrets/myapp.env"
  perms       = "0600"
}
