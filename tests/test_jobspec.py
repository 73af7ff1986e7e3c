import hcl  # pyhcl: an independent HCL1 reader, to compare against
import pytest

from hashistack.hcl import render
from hashistack.nomad.jobspec import (
    Check,
    Connect,
    Group,
    Job,
    Network,
    Resources,
    SecretRead,
    Service,
    Task,
    Template,
    Upstream,
    VaultBlock,
    read_jobspec,
    read_vault_blocks,
    secret_paths_in_template,
)
from tests.hashicorp_hcl import parse_many

SEED_002_DATA = (
    '{{ with secret "secret/data/myapp" }}\n'
    "DB_USER={{ .Data.data.username }}\n"
    "DB_PASS={{ .Data.data.password }}\n"
    "{{ end }}\n"
)


def seed_002_job() -> Job:
    web = Task(
        "web",
        config={"image": "myapp:latest"},
        env={"VAULT_ADDR": "http://vault.service.consul:8200"},
    )
    web.use_secret("secret/data/myapp", {"DB_USER": "username", "DB_PASS": "password"})
    return Job("app", groups=[Group("app", tasks=[web], vault=VaultBlock(role="myapp"))])


def mesh_job() -> Job:
    api = Task("api", config={"image": "api:1", "args": ["--port", "8080"]})
    api.use_secret("secret/data/api/db", {"DB_PASS": "pass-word"}, destination="secrets/db.env")
    api.templates.append(
        Template(
            "local/cert.pem",
            '{{ with secret "pki/issue/api" "common_name=api.service.consul" }}'
            "{{ .Data.certificate }}{{ end }}",
            change_mode="signal",
            change_signal="SIGHUP",
        )
    )
    sidecar = Task("log", driver="exec", config={"command": "/bin/true"},
                   vault=VaultBlock(policies=["legacy-read"], change_mode="noop"))
    sidecar.use_secret("kv/team/data/shared", {"TEAM_KEY": "key"})
    group = Group(
        "api",
        count=2,
        tasks=[api, sidecar],
        network=Network(mode="bridge", ports={"http": 8080, "metrics": None}),
        services=[
            Service(
                "api",
                "http",
                tags=["v1"],
                checks=[Check(), Check(type="tcp", name="alive")],
                connect=Connect([Upstream("db", 5432), Upstream("cache", 6379)]),
            ),
            Service("api-metrics", "metrics", provider="nomad"),
        ],
    )
    other = Task("worker", resources=Resources(cpu=500, memory=256))
    other.use_secret("secret/data/worker", {"TOKEN": "token"})
    return Job(
        "shop",
        datacenters=["dc1", "dc2"],
        region="eu",
        namespace="shop",
        vault=VaultBlock(role="shop-default"),
        groups=[group, Group("workers", tasks=[other])],
    )


def test_use_secret_reproduces_seed_002():
    job = seed_002_job()
    template = job.groups[0].tasks[0].templates[0]
    assert template.data == SEED_002_DATA
    assert template.env is True
    assert template.destination == "secrets/myapp.env"


@pytest.fixture(scope="module")
def parsed_jobs() -> dict[str, dict]:
    """The seed 002 and mesh jobs' HCL, as HashiCorp's HCL2 parser reads it."""
    texts = {"seed": seed_002_job().to_hcl(), "mesh": mesh_job().to_hcl()}
    return {"texts": texts, "results": parse_many(texts)}


@pytest.mark.parametrize("name", ["seed", "mesh"])
def test_a_rendered_jobspec_parses_with_hashicorp_hcl2_and_pyhcl(parsed_jobs, name):
    result = parsed_jobs["results"][name]
    assert "ok" in result, result
    assert "job" in hcl.loads(parsed_jobs["texts"][name])


@pytest.fixture
def seed_task(parsed_jobs) -> dict:
    group = parsed_jobs["results"]["seed"]["ok"]["job"]["app"][0]["group"]["app"][0]
    return group["task"]["web"][0]


def test_seed_002_group_logs_in_with_its_vault_role(parsed_jobs):
    group = parsed_jobs["results"]["seed"]["ok"]["job"]["app"][0]["group"]["app"][0]
    assert group["vault"][0]["role"] == "myapp"


def test_seed_002_task_runs_its_docker_image_with_its_env(seed_task):
    assert seed_task["driver"] == "docker"
    assert seed_task["config"][0]["image"] == "myapp:latest"
    assert seed_task["env"][0]["VAULT_ADDR"] == "http://vault.service.consul:8200"


def test_seed_002_secret_template_reads_back_as_written_into_the_env(seed_task):
    assert seed_task["template"][0]["data"] == SEED_002_DATA
    assert seed_task["template"][0]["env"] is True


@pytest.fixture
def mesh(parsed_jobs) -> dict:
    return parsed_jobs["results"]["mesh"]["ok"]["job"]["shop"][0]


def test_mesh_job_keeps_its_datacenters_and_region(mesh):
    assert mesh["datacenters"] == ["dc1", "dc2"]
    assert mesh["region"] == "eu"


def test_mesh_group_count_and_bridge_network_ports(mesh):
    api = mesh["group"]["api"][0]
    assert api["count"] == 2
    assert api["network"][0]["mode"] == "bridge"
    assert api["network"][0]["port"]["http"][0]["to"] == 8080
    # A port with no `to` is an empty block.
    assert api["network"][0]["port"]["metrics"] == [{}]


def test_mesh_service_on_its_port_http_check_gets_the_default_path_tcp_none(mesh):
    service = mesh["group"]["api"][0]["service"][0]
    assert service["port"] == "http"
    assert service["check"][0]["path"] == "/health"
    assert "path" not in service["check"][1]


def test_mesh_service_connect_upstreams_in_order(mesh):
    service = mesh["group"]["api"][0]["service"][0]
    upstreams = service["connect"][0]["sidecar_service"][0]["proxy"][0]["upstreams"]
    assert [(u["destination_name"], u["local_bind_port"]) for u in upstreams] == [
        ("db", 5432),
        ("cache", 6379),
    ]


def test_mesh_second_service_is_registered_with_nomad(mesh):
    assert mesh["group"]["api"][0]["service"][1]["provider"] == "nomad"


def test_mesh_task_vault_block_with_legacy_policies_and_noop_change_mode(mesh):
    log = mesh["group"]["api"][0]["task"]["log"][0]
    assert log["vault"][0]["policies"] == ["legacy-read"]
    assert log["vault"][0]["change_mode"] == "noop"


def test_mesh_template_signals_its_task_on_change(mesh):
    tpl = mesh["group"]["api"][0]["task"]["api"][0]["template"][1]
    assert tpl["change_mode"] == "signal" and tpl["change_signal"] == "SIGHUP"


def test_mesh_task_resources(mesh):
    assert mesh["group"]["workers"][0]["task"]["worker"][0]["resources"][0] == {
        "cpu": 500,
        "memory": 256,
    }


def expose_job() -> Job:
    """check.mdx / expose.mdx's expose-check example: bridge network, no port blocks."""
    api = Service(
        "count-api",
        "9001",
        connect=Connect(),
        checks=[
            Check(expose=True, name="api-health", timeout="3s"),
            Check(type="grpc", expose=True, name="api-grpc", path="/grpc.health.v1.Health/Check"),
            Check(type="tcp", name="alive"),
        ],
    )
    web = Task("web", config={"image": "hashicorpdev/counter-api:v3"})
    group = Group("api", network=Network(mode="bridge", ports={}), services=[api], tasks=[web])
    return Job("expose-check-example", groups=[group])


def test_expose_check_and_numeric_port_parse_with_hashicorp_hcl2_and_pyhcl():
    text = expose_job().to_hcl()
    parsed = parse_many({"expose": text})["expose"]
    assert "ok" in parsed, parsed
    group = parsed["ok"]["job"]["expose-check-example"][0]["group"]["api"][0]
    assert group["network"] == [{"mode": "bridge"}]
    service = group["service"][0]
    assert service["port"] == "9001"
    http, grpc, tcp = service["check"]
    assert http["expose"] is True and http["type"] == "http" and http["path"] == "/health"
    assert grpc["expose"] is True and grpc["path"] == "/grpc.health.v1.Health/Check"
    assert "expose" not in tcp
    assert service["connect"][0]["sidecar_service"][0]["proxy"] == [{}]
    body = hcl.loads(text)["job"]["expose-check-example"]["group"]["api"]
    assert body["network"] == {"mode": "bridge"}


def test_service_port_forms():
    assert Service("s", 8080).block().attrs["port"] == "8080"
    assert Service("s", "8080").block().attrs["port"] == "8080"
    Group("g", services=[Service("s", "8080")])  # a number needs no port label
    assert "expose" not in render(Check().block())


def test_secret_reads_and_read_back_agree():
    job = mesh_job()
    reads = job.secret_reads()
    assert reads == [
        SecretRead("api", "api", "secrets/db.env", "secret/data/api/db"),
        SecretRead("api", "api", "local/cert.pem", "pki/issue/api"),
        SecretRead("api", "log", "secrets/shared.env", "kv/team/data/shared"),
        SecretRead("workers", "worker", "secrets/worker.env", "secret/data/worker"),
    ]
    text = job.to_hcl()
    assert read_jobspec(text) == reads
    assert read_vault_blocks(text) == job.effective_vaults()


def test_seed_round_trip_single_group_single_template():
    job = seed_002_job()
    text = job.to_hcl()
    assert read_jobspec(text) == job.secret_reads()
    assert read_vault_blocks(text) == {("app", "web"): VaultBlock(role="myapp")}


def test_effective_vault_task_beats_group_beats_job():
    job = mesh_job()
    assert job.effective_vault("api", "log") == VaultBlock(policies=["legacy-read"],
                                                           change_mode="noop")
    assert job.effective_vault("api", "api").role == "shop-default"
    job.groups[0].vault = VaultBlock(role="api-group")
    assert job.effective_vault("api", "api").role == "api-group"
    assert job.effective_vault("api", "log").policies == ("legacy-read",)
    assert job.effective_vault("workers", "worker").role == "shop-default"
    assert read_vault_blocks(job.to_hcl()) == job.effective_vaults()


def test_secret_paths_in_template_forms():
    data = (
        '{{ with secret "secret/data/a" }}{{ .Data.data.x }}{{ end }}\n'
        '{{- with secret "secret/data/a" -}}{{ end -}}\n'
        '{{ (secret "database/creds/ro").Data.username }}\n'
        '{{ with secret "pki/issue/web" "common_name=web" "ttl=1h" }}{{ end }}\n'
        "{{ with secret `secret/data/raw` }}{{ end }}\n"
        '{{ range secrets "secret/metadata/" }}{{ . }}{{ end }}\n'
        'plain text mentioning secret "not/a/read"\n'
    )
    assert secret_paths_in_template(data) == [
        "secret/data/a",
        "database/creds/ro",
        "pki/issue/web",
        "secret/data/raw",
    ]


def test_use_secret_non_identifier_key_uses_index():
    task = Task("t")
    tpl = task.use_secret("secret/data/x", {"A_B": "my-key"})
    assert '{{ index .Data.data "my-key" }}' in tpl.data


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"role": "r", "policies": ["p"]}, "role"),
        ({"change_mode": "signal"}, "change_signal"),
        ({"change_mode": "restart", "change_signal": "SIGHUP"}, "change_signal"),
        ({"change_mode": "reload"}, "change_mode"),
        ({"policies": "p"}, "policies"),
        ({"policies": []}, "policies"),
    ],
)
def test_vault_block_validation(kwargs, field):
    with pytest.raises(ValueError, match=field):
        VaultBlock(**kwargs)


@pytest.mark.parametrize(
    ("path", "env", "message"),
    [
        ("secret/myapp", {"A": "a"}, "KV v2"),
        ("/secret/data/myapp", {"A": "a"}, "path"),
        ('secret/data/my"app', {"A": "a"}, "path"),
        ("secret/data/myapp", {"lower": "a"}, "env name"),
        ("secret/data/myapp", {"A-B": "a"}, "env name"),
        ("secret/data/myapp", {"A": 'x"y'}, "secret key"),
        ("secret/data/myapp", {"A": ""}, "secret key"),
        ("secret/data/myapp", {}, "env"),
    ],
)
def test_use_secret_validation(path, env, message):
    with pytest.raises(ValueError, match=message):
        Task("t").use_secret(path, env)


def test_use_secret_refuses_duplicate_destination():
    task = Task("t")
    task.use_secret("secret/data/a", {"A": "a"})
    with pytest.raises(ValueError, match="destination"):
        task.use_secret("other/data/a", {"B": "b"})
    assert len(task.templates) == 1


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Job("bad name"), "Job.name"),
        (lambda: Job("j", type="daemon"), "Job.type"),
        (lambda: Job("j", datacenters=[]), "Job.datacenters"),
        (lambda: Group("g", count=-1), "Group.count"),
        (lambda: Task("t", env={"BAD-NAME": "x"}), "Task.env"),
        (lambda: Resources(memory=5), "Resources.memory"),
        (lambda: Resources(cpu=0), "Resources.cpu"),
        (lambda: Network(mode="overlay"), "Network.mode"),
        (lambda: Network(ports={"http": 70000}), "Network.ports"),
        (lambda: Check(interval="often"), "Check.interval"),
        (lambda: Check(type="http", path="health"), "Check.path"),
        (lambda: Check(type="script"), "Check.type"),
        (lambda: Service("my_svc", "http"), "Service.name"),
        (lambda: Service("s", "http", provider="nomad", connect=Connect()), "Service.connect"),
        (lambda: Upstream("db", 0), "Upstream.local_bind_port"),
        (lambda: Connect([Upstream("a", 1), Upstream("b", 1)]), "local_bind_port"),
        (lambda: Template("d", "x", change_mode="signal"), "Template.change_signal"),
        (lambda: Template("", "x"), "Template.destination"),
        (lambda: Group("g", tasks=[Task("a"), Task("a")]), "task name"),
        (
            lambda: Group("g", services=[Service("s", "9090", connect=Connect())],
                          network=Network(mode="host")),
            "bridge",
        ),
        (lambda: Group("g", services=[Service("s", "http")]), "port label"),
        (lambda: Check(type="tcp", expose=True), "Check.expose"),
        (lambda: Check(expose="yes"), "Check.expose"),
        (
            lambda: Group("g", services=[Service("s", "9001", checks=[Check(expose=True)])]),
            "expose",
        ),
        (lambda: Service("s", "70000"), "Service.port"),
        (lambda: Service("s", 0), "Service.port"),
        (lambda: Service("s", "http port"), "Service.port"),
        # Names are matched whole: a trailing newline is not a name.
        (lambda: Job("j\n"), "Job.name"),
        (lambda: Service("api\n", "http"), "Service.name"),
        (lambda: Network(ports={"http\n": 80}), "Network.ports label"),
        (lambda: Task("t", driver="docker\r"), "Task.driver"),
        (lambda: Template("d", "x", change_mode="signal", change_signal="HUP"),
         "Template.change_signal"),
        (lambda: Job("j", groups=[Group("g"), Group("g")]), "group name"),
    ],
)
def test_model_validation_names_the_field(build, field):
    with pytest.raises(ValueError, match=field):
        build()


def test_to_hcl_requires_groups_and_a_vault_block_for_secret_reads():
    with pytest.raises(ValueError, match="Job.groups"):
        Job("empty").to_hcl()
    task = Task("t")
    task.use_secret("secret/data/x", {"X": "x"})
    with pytest.raises(ValueError, match="no vault block"):
        Job("j", groups=[Group("g", tasks=[task])]).to_hcl()


def test_read_jobspec_needs_exactly_one_job():
    with pytest.raises(ValueError, match="exactly one job"):
        read_jobspec('variable "x" {}\n')


def test_an_exposed_grpc_check_needs_its_path_and_writes_it():
    # Nomad's checkIsExposable: grpc and http checks qualify only with a path
    # starting with '/'; without one the check is silently not exposed.
    with pytest.raises(ValueError, match="Check.path must start with '/' for an exposed grpc"):
        Check(type="grpc", expose=True)
    check = Check(type="grpc", expose=True, path="/grpc.health.v1.Health/Check")
    assert check.block().attrs["path"] == "/grpc.health.v1.Health/Check"
    assert Check(type="grpc").block().attrs["path"] is None  # not exposed: no path
    assert Check().path == "/health"  # http keeps its default


# Any text a task is given comes back from its jobspec as written: the HCL2
# escapes for `${` / `%{` read back, multi-line text and quotes too.
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from hashistack.nomad.jobspec import Job, _labeled, _load_job  # noqa: E402

_TRICKY = st.lists(st.sampled_from(list('${}%"\\\n\tab é') + ["${", "%{", "$${"]),
                   max_size=15).map("".join)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.from_regex(r"[A-Z_][A-Z0-9_]{0,8}", fullmatch=True),
                       st.one_of(_TRICKY, st.text(max_size=30).filter(lambda s: "\r" not in s)),
                       min_size=1, max_size=4),
       st.one_of(_TRICKY, st.just("web:1")))
def test_task_strings_read_back_from_the_jobspec(env, image):
    task = Task(name="web", driver="docker", config={"image": image, "args": [image]}, env=env)
    job = Job(name="web", groups=[Group(name="web", tasks=[task])])
    body = _load_job(job.to_hcl())
    [(_, group)] = _labeled(body["group"])
    [(_, read)] = _labeled(group["task"])
    assert read["env"] == env
    assert read["config"]["image"] == image and read["config"]["args"] == [image]
