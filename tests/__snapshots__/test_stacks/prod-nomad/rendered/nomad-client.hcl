datacenter = "dc1"
region     = "global"
data_dir   = "/opt/nomad/data"
bind_addr  = "0.0.0.0"

client {
  enabled = true
  server_join {
    retry_join = ["nomad-1.prod.example.internal", "nomad-2.prod.example.internal", "nomad-3.prod.example.internal"]
  }
}

acl {
  enabled = true
}

tls {
  http                   = true
  rpc                    = true
  ca_file                = "/etc/nomad.d/tls/ca.pem"
  cert_file              = "/etc/nomad.d/tls/agent.pem"
  key_file               = "/etc/nomad.d/tls/agent-key.pem"
  verify_server_hostname = true
}

consul {
  address          = "127.0.0.1:8501"
  auto_advertise   = true
  ssl              = true
  ca_file          = "/etc/nomad.d/tls/consul-connect-root.pem"
  client_auto_join = true
  grpc_address     = "127.0.0.1:8503"
  grpc_ca_file     = "/etc/nomad.d/tls/consul-connect-root.pem"
}

vault {
  enabled               = true
  address               = "https://vault.prod.example.internal:8200"
  jwt_auth_backend_path = "jwt-nomad"
  ca_file               = "/etc/ssl/hashistack/prod-ca.pem"
}

telemetry {
  collection_interval        = "1s"
  disable_hostname           = true
  prometheus_metrics         = true
  publish_allocation_metrics = true
  publish_node_metrics       = true
}
