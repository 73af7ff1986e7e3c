"""An app's Consul namespace and admin partition: refused without the Enterprise
editions that honour them, rendered as the group's `consul {}` block and parsed
by HashiCorp's HCL2 parser."""

from __future__ import annotations

import pytest

from hashistack.errors import FieldError
from hashistack.nomad.jobspec import ConsulBlock, Group, Job, Task
from stacks.config import ConfigError, load
from tests.conftest import synth_environments
from tests.hashicorp_hcl import parse_many
from tests.synth_json import resources

APP = """
tier = "dev"
[consul]
edition = "%s"
[nomad]
edition = "%s"
[[apps]]
name = "billing"
image = "billing:1"
%s
"""


def env(tmp_path, consul="enterprise", nomad="enterprise", fields=""):
    path = tmp_path / "t.toml"
    path.write_text(APP % (consul, nomad, fields))
    return path


@pytest.mark.parametrize("consul, nomad, fields, why", [
    ("ce", "enterprise", 'consul_namespace = "billing"',
     'apps.billing.consul_namespace: Consul namespaces are a Consul Enterprise feature'),
    ("enterprise", "ce", 'consul_namespace = "billing"',
     "apps.billing.consul_namespace: only Nomad Enterprise"),
    ("ce", "ce", 'consul_partition = "team"',
     "apps.billing.consul_partition: admin partitions are a Consul Enterprise feature"),
    ("enterprise", "enterprise", 'consul_namespace = "bad_name"', "not a Consul namespace"),
])
def test_refused_with_a_clear_config_error(tmp_path, consul, nomad, fields, why):
    with pytest.raises(ConfigError, match=why) as err:
        load(env(tmp_path, consul, nomad, fields))
    assert str(err.value).startswith(str(tmp_path / "t.toml"))


def test_partition_needs_consul_enterprise_only(tmp_path):
    # api/consul.go: Partition "is available in Nomad CE but only works with Consul ENT".
    e = load(env(tmp_path, "enterprise", "ce", 'consul_partition = "team"'))
    assert e.apps[0].consul_partition == "team"


def test_block_renders_and_parses_with_hashicorp_hcl2():
    job = Job(name="web", groups=[Group(
        name="web", tasks=[Task(name="web", driver="docker", config={"image": "web:1"})],
        consul=ConsulBlock(namespace="billing", partition="team"))])
    text = job.to_hcl()
    parsed = parse_many({"job": text})["job"]
    assert "ok" in parsed, parsed
    group = parsed["ok"]["job"]["web"][0]["group"]["web"][0]
    assert group["consul"] == [{"namespace": "billing", "partition": "team"}]


def test_block_refuses_names_consul_would_refuse():
    with pytest.raises(FieldError, match="ConsulBlock.namespace"):
        ConsulBlock(namespace="a b")


def test_environment_renders_the_fields_in_the_jobspec(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    env(src, fields='consul_namespace = "billing"\nconsul_partition = "team"').rename(
        src / "ent.toml")
    stacks = synth_environments(src, tmp_path / "out")
    (job,) = resources(stacks["ent-nomad"], "nomad_job").values()
    parsed = parse_many({"job": job["jobspec"]})["job"]
    assert "ok" in parsed, parsed
    group = parsed["ok"]["job"]["billing"][0]["group"]["billing"][0]
    assert group["consul"] == [{"namespace": "billing", "partition": "team"}]
