job "myapp" {
  datacenters = ["dc1"]
  type        = "service"
  namespace   = "default"
  region      = "global"
  group "myapp" {
    count = 1
    network {
      mode = "bridge"
    }
    service {
      name     = "myapp"
      port     = "8080"
      provider = "consul"
      check {
        name     = "myapp-health"
        type     = "http"
        path     = "/health"
        expose   = true
        interval = "10s"
        timeout  = "2s"
      }
      connect {
        sidecar_service {
          proxy {}
        }
      }
    }
    task "myapp" {
      driver = "docker"
      config {
        image = "myapp:latest"
      }
      template {
        data        = <<EOT
{{ with secret "secret/data/myapp" }}
DB_USER={{ .Data.data.username }}
DB_PASS={{ .Data.data.password }}
{{ end }}
EOT
        destination = "secrets/myapp.env"
        env         = true
        change_mode = "restart"
      }
      vault {
        policies     = ["app-myapp"]
        change_mode  = "restart"
        env          = true
        disable_file = false
      }
      resources {
        cpu    = 100
        memory = 128
      }
    }
  }
}
