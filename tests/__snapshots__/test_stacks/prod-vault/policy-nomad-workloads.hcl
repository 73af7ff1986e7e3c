path "secret/data/{{identity.entity.aliases.${vault_jwt_auth_backend.workload-identity_backend_9399C51E.accessor}.metadata.nomad_namespace}}/{{identity.entity.aliases.${vault_jwt_auth_backend.workload-identity_backend_9399C51E.accessor}.metadata.nomad_job_id}}" {
  capabilities = ["read"]
}

path "secret/data/{{identity.entity.aliases.${vault_jwt_auth_backend.workload-identity_backend_9399C51E.accessor}.metadata.nomad_namespace}}/{{identity.entity.aliases.${vault_jwt_auth_backend.workload-identity_backend_9399C51E.accessor}.metadata.nomad_job_id}}/*" {
  capabilities = ["read"]
}

path "secret/metadata/*" {
  capabilities = ["list"]
}

path "secret/metadata/{{identity.entity.aliases.${vault_jwt_auth_backend.workload-identity_backend_9399C51E.accessor}.metadata.nomad_namespace}}/*" {
  capabilities = ["list"]
}
