datacenter = "dc1"
region     = "global"
data_dir   = "/opt/nomad/data"
bind_addr  = "0.0.0.0"

client {
  enabled = true
}

consul {
  address          = "127.0.0.1:8500"
  auto_advertise   = true
  ssl              = false
  client_auto_join = true
}

vault {
  enabled               = true
  address               = "http://127.0.0.1:8200"
  jwt_auth_backend_path = "jwt-nomad"
}

telemetry {
  collection_interval        = "1s"
  disable_hostname           = true
  prometheus_metrics         = true
  publish_allocation_metrics = true
  publish_node_metrics       = true
}
