job "web" {
  datacenters = ["dc1"]
  type        = "service"
  namespace   = "default"
  region      = "global"
  group "web" {
    count = 1
    network {
      mode = "bridge"
    }
    service {
      name     = "web"
      port     = "8000"
      provider = "consul"
      check {
        name     = "web-health"
        type     = "http"
        path     = "/health"
        expose   = true
        interval = "10s"
        timeout  = "2s"
      }
      connect {
        sidecar_service {
          proxy {
            upstreams {
              destination_name = "myapp"
              local_bind_port  = 10000
            }
          }
        }
      }
    }
    task "web" {
      driver = "docker"
      config {
        image = "registry.example.internal/web:2.0.1"
      }
      resources {
        cpu    = 100
        memory = 128
      }
    }
  }
}
