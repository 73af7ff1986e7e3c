"""The one HCL read adapter the checks use."""

import hcl  # pyhcl: an independent HCL1 reader to compare against
import pytest

from hashistack.hcl_read import HclSyntaxError, read

AGENT = """
template {
  contents    = <<EOT
{{ with secret "secret/data/a" }}{{ .Data.data.x }}{{ end }}
EOT
  destination = "/etc/a"
}

template {
  contents    = "{{ with secret \\"secret/data/b\\" }}{{ end }}"
  destination = "/etc/b"
}

env_template "DB_USER" {
  contents = "x"
}

env_template "DB_PASS" {
  contents = "y"
}
"""


def test_repeated_blocks_stay_apart():
    doc = read(AGENT)
    assert [t["destination"] for t in doc["template"]] == ["/etc/a", "/etc/b"]
    assert doc["template"][1]["contents"].startswith("{{ with secret")
    assert doc["env_template"] == [{"DB_USER": {"contents": "x"}}, {"DB_PASS": {"contents": "y"}}]
    # pyhcl merges repeated top-level blocks key by key: the second template
    # loses its contents, so a check would miss what it reads.
    assert "contents" not in hcl.loads(AGENT)["template"][1]


def test_heredoc_keeps_its_last_newline_as_hcl1_does():
    assert read(AGENT)["template"][0]["contents"].endswith("{{ end }}\n")


def test_labeled_blocks_nest_like_pyhcl():
    text = 'job "a" {\n  group "g" {\n    count = 2\n  }\n}\n'
    assert read(text) == hcl.loads(text) == {"job": {"a": {"group": {"g": {"count": 2}}}}}


def test_each_text_is_parsed_once():
    read.cache_clear()
    text = 'vault {\n  address = "https://v:8200"\n}\n'
    assert read(text) is read(text)
    assert read.cache_info().misses == 1


def test_bad_hcl_is_a_value_error():
    with pytest.raises(HclSyntaxError):
        read('job "a" {')
    assert issubclass(HclSyntaxError, ValueError)
