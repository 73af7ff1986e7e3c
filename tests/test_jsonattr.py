"""config_json as the rules read it: literal JSON, or cdktf's jsonencode() of a literal."""

import pytest

from hashistack.checks.jsonattr import json_attribute


def test_literal_json():
    assert json_attribute('{"Address": "https://v:8200", "Bits": 256}') == {
        "Address": "https://v:8200", "Bits": 256}


def test_jsonencode_with_references_and_calls():
    text = ('${jsonencode({"Address" = "http://127.0.0.1:8200", "Bits" = 256, "On" = true, '
            '"Algs" = ["RS256", "EdDSA"], "Token" = data.terraform_remote_state.v.outputs.t, '
            '"PEM" = file("/etc/ssl/ca.pem"), "Nested" = {"a" = "b\\"c", "n" = null}})}')
    assert json_attribute(text) == {
        "Address": "http://127.0.0.1:8200", "Bits": 256, "On": True,
        "Algs": ["RS256", "EdDSA"],
        "Token": "${data.terraform_remote_state.v.outputs.t}",
        "PEM": '${file("/etc/ssl/ca.pem")}',
        "Nested": {"a": 'b"c', "n": None},
    }


@pytest.mark.parametrize("text", ["not json", '${jsonencode({"a" = })}',
                                  '${jsonencode({"a" = "b")}', "${jsonencode(x) + 1}", 42])
def test_anything_else_is_none(text):
    assert json_attribute(text) is None
