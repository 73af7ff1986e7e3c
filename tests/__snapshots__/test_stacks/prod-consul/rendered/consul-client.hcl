datacenter = "dc1"
data_dir   = "/opt/consul/data"
server     = false
retry_join = ["prod-consul-1.example.internal", "prod-consul-2.example.internal", "prod-consul-3.example.internal"]
bind_addr  = "{{ GetPrivateIP }}"

acl {
  enabled                  = true
  default_policy           = "deny"
  enable_token_persistence = true
}

tls {
  defaults {
    ca_file         = "/etc/consul.d/tls/ca.pem"
    verify_incoming = false
    verify_outgoing = true
  }
  internal_rpc {
    verify_server_hostname = true
  }
  grpc {
    use_auto_cert = true
  }
}

auto_encrypt {
  tls = true
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
