"""Errors in one hierarchy (issue 11 §6): every error hashistack raises for bad
input is a `HashistackError`, hence a `ValueError`, carrying the file, field or
construct path where it knows one, so a caller catches them all with one clause."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

import hashistack
from hashistack import HashistackError
from hashistack.checks import CheckInputError, load_synth
from hashistack.errors import HashistackError as FromErrors
from hashistack.review.compare import ReviewInputError, review
from hashistack.vault.hcl1 import HclSyntaxError, parse_hcl1
from hashistack.vault.policy import PolicyDocument, PolicyError
from stacks.config import ConfigError, load


def test_the_base_is_a_value_error_exported_from_the_package():
    assert HashistackError is FromErrors
    assert "HashistackError" in hashistack.__all__
    assert issubclass(HashistackError, ValueError)
    err = HashistackError("prod-vault/kv: path must not be empty", path="prod-vault/kv")
    assert str(err) == "prod-vault/kv: path must not be empty"
    assert err.path == "prod-vault/kv"
    assert HashistackError("no path known").path is None


def test_a_path_is_kept_as_text_and_survives_pickling():
    err = HashistackError("x: bad", path=Path("environments/prod.toml"))
    assert err.path == "environments/prod.toml"
    back = pickle.loads(pickle.dumps(err))  # the checks' forked workers pickle errors
    assert (str(back), back.path) == ("x: bad", "environments/prod.toml")


@pytest.mark.parametrize("cls", [CheckInputError, ReviewInputError, HclSyntaxError, ConfigError])
def test_each_error_type_is_a_hashistack_error(cls):
    assert issubclass(cls, HashistackError)
    assert issubclass(cls, ValueError)


def test_policy_error_is_a_hashistack_error():
    assert issubclass(PolicyError, HashistackError)


def test_construct_error_is_a_hashistack_error():
    from hashistack._cdktf import ConstructError  # imports cdktf (jsii), only here

    assert issubclass(ConstructError, HashistackError)


def test_a_bad_config_load_is_caught_naming_its_file(tmp_path):
    path = tmp_path / "dev.toml"
    path.write_text('[vault]\naddress = "ftp://vault"\n')
    with pytest.raises(HashistackError) as caught:
        load(path)
    assert isinstance(caught.value, ConfigError)
    assert caught.value.path == str(path)
    assert str(caught.value).startswith(f"{path}: vault.address")


def test_a_missing_config_file_is_caught(tmp_path):
    try:
        load(tmp_path / "nowhere.toml")
    except HashistackError as err:
        assert err.path == str(tmp_path / "nowhere.toml")
    else:
        pytest.fail("no error")


def test_bad_check_input_is_caught_naming_the_file(tmp_path):
    stack = tmp_path / "stacks" / "dev-vault"
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text("{not json")
    with pytest.raises(HashistackError) as caught:
        load_synth(tmp_path)
    assert isinstance(caught.value, CheckInputError)
    assert caught.value.path == str(stack / "cdk.tf.json")


def test_a_missing_synth_output_is_caught(tmp_path):
    with pytest.raises(HashistackError) as caught:
        load_synth(tmp_path / "cdktf.out")
    assert caught.value.path == str(tmp_path / "cdktf.out")


def test_bad_review_input_names_the_file_inside(tmp_path):
    base, head = tmp_path / "base", tmp_path / "head"
    for out in (base, head):
        (out / "stacks" / "dev-vault").mkdir(parents=True)
        (out / "stacks" / "dev-vault" / "cdk.tf.json").write_text(json.dumps({}))
    (head / "stacks" / "dev-vault" / "cdk.tf.json").write_text("[]")
    with pytest.raises(HashistackError) as caught:
        review(base, head)
    assert isinstance(caught.value, ReviewInputError)
    assert str(caught.value).startswith("HEAD: ")
    assert caught.value.path == str(head / "stacks" / "dev-vault" / "cdk.tf.json")


def test_bad_hcl_is_caught():
    with pytest.raises(HashistackError) as caught:
        parse_hcl1('path "x" {')
    assert isinstance(caught.value, HclSyntaxError)


def test_a_bad_policy_is_caught_as_a_value_error():
    with pytest.raises(ValueError):  # PolicyError is one today, and stays one
        PolicyDocument.parse('path "secret/*" { capabilities = ["bogus"] }')


def test_a_bad_policy_is_caught_as_a_hashistack_error_naming_its_path():
    with pytest.raises(HashistackError) as caught:
        PolicyDocument.parse('path "secret/*" { capabilities = ["bogus"] }')
    assert caught.value.path == "secret/*"
