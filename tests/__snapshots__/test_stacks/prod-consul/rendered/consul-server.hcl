datacenter       = "dc1"
data_dir         = "/opt/consul/data"
server           = true
bootstrap_expect = 3
retry_join       = ["prod-consul-1.example.internal", "prod-consul-2.example.internal", "prod-consul-3.example.internal"]
bind_addr        = "{{ GetPrivateIP }}"
client_addr      = "0.0.0.0"

ui_config {
  enabled = true
}

connect {
  enabled = true
}

acl {
  enabled                  = true
  default_policy           = "deny"
  enable_token_persistence = true
}

tls {
  defaults {
    ca_file         = "/etc/consul.d/tls/ca.pem"
    cert_file       = "/etc/consul.d/tls/server.pem"
    key_file        = "/etc/consul.d/tls/server-key.pem"
    verify_incoming = true
    verify_outgoing = true
  }
  https {
    verify_incoming = false
  }
  internal_rpc {
    verify_server_hostname = true
  }
}

auto_encrypt {
  allow_tls = true
}

ports {
  http     = -1
  https    = 8501
  grpc_tls = 8503
}

telemetry {
  prometheus_retention_time = "60s"
  disable_hostname          = true
}
