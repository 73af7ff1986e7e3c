api_addr      = "https://vault-2.prod.example.internal:8200"
cluster_addr  = "https://10.30.2.12:8201"
ui            = true
disable_mlock = true

storage "raft" {
  path    = "/opt/vault/data"
  node_id = "vault-2.prod.example.internal"
  retry_join {
    leader_api_addr       = "https://10.30.2.11:8200"
    leader_ca_cert_file   = "/etc/vault.d/tls/ca.pem"
    leader_tls_servername = "vault-1.prod.example.internal"
  }
  retry_join {
    leader_api_addr       = "https://10.30.2.13:8200"
    leader_ca_cert_file   = "/etc/vault.d/tls/ca.pem"
    leader_tls_servername = "vault-3.prod.example.internal"
  }
  retry_join {
    leader_api_addr       = "https://10.30.2.14:8200"
    leader_ca_cert_file   = "/etc/vault.d/tls/ca.pem"
    leader_tls_servername = "vault-4.prod.example.internal"
  }
  retry_join {
    leader_api_addr       = "https://10.30.2.15:8200"
    leader_ca_cert_file   = "/etc/vault.d/tls/ca.pem"
    leader_tls_servername = "vault-5.prod.example.internal"
  }
}

listener "tcp" {
  address         = "0.0.0.0:8200"
  cluster_address = "0.0.0.0:8201"
  tls_cert_file   = "/etc/vault.d/tls/vault.pem"
  tls_key_file    = "/etc/vault.d/tls/vault-key.pem"
  tls_min_version = "tls13"
  telemetry {
    unauthenticated_metrics_access = false
  }
}

seal "awskms" {
  region     = "eu-west-1"
  kms_key_id = "alias/hashistack-prod-vault-unseal"
}

telemetry {
  prometheus_retention_time = "24h"
  disable_hostname          = true
}
