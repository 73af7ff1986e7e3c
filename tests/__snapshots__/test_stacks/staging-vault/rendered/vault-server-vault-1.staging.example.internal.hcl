api_addr      = "https://vault-1.staging.example.internal:8200"
cluster_addr  = "https://10.20.2.11:8201"
ui            = true
disable_mlock = true

storage "raft" {
  path    = "/opt/vault/data"
  node_id = "vault-1.staging.example.internal"
  retry_join {
    leader_api_addr       = "https://10.20.2.12:8200"
    leader_ca_cert_file   = "/etc/vault.d/tls/ca.pem"
    leader_tls_servername = "vault-2.staging.example.internal"
  }
  retry_join {
    leader_api_addr       = "https://10.20.2.13:8200"
    leader_ca_cert_file   = "/etc/vault.d/tls/ca.pem"
    leader_tls_servername = "vault-3.staging.example.internal"
  }
}

listener "tcp" {
  address         = "0.0.0.0:8200"
  cluster_address = "0.0.0.0:8201"
  tls_cert_file   = "/etc/vault.d/tls/vault.pem"
  tls_key_file    = "/etc/vault.d/tls/vault-key.pem"
  tls_min_version = "tls12"
  telemetry {
    unauthenticated_metrics_access = false
  }
}

seal "transit" {
  address     = "https://vault-seal.example.internal:8200"
  mount_path  = "transit/"
  key_name    = "hashistack-staging"
  tls_ca_cert = "/etc/vault.d/tls/ca.pem"
}

telemetry {
  prometheus_retention_time = "24h"
  disable_hostname          = true
}
