"""Config files: lookup order, safe loading, and errors that name file, profile and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from papertriage.config import find_config, load_config
from papertriage.errors import ConfigError
from papertriage.starter import STARTER_CONFIG

REPO = Path(__file__).parent.parent


def write(tmp_path: Path, text: str, name: str = "c.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_loads_with_every_key() -> None:
    profiles = load_config(REPO / "config.example.yaml")
    assert [p.name for p in profiles] == ["efficient-llm", "retrieval", "scaling"]
    efficient = profiles[0]
    moe = next(t for t in efficient.terms if t.term == "mixture of experts")
    assert (moe.weight, moe.aliases) == (2, ("MoE", "sparse experts"))
    assert efficient.exclude == ("federated",) and efficient.min_score == 1
    assert profiles[1].threshold == 90 and dict(profiles[1].fields) == {"title": 4, "abstract": 1}


def test_starter_config_is_the_example_config() -> None:
    assert STARTER_CONFIG == (REPO / "config.example.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("text,expected", [
    ("profiles: [", "invalid YAML"),
    ("profiles:\n  p:\n    terms: [x]\n    treshold: 80\n", "profile 'p': unknown key 'treshold'"),
    ("profiles:\n  p:\n    terms: [x]\n    threshold: 120\n", "profile 'p': threshold: must be between 0 and 100"),
    ("profiles:\n  p:\n    terms: [{term: x, weight: -1}]\n", "profile 'p': terms[0].weight: must be at least 0"),
    ("profiles:\n  p:\n    terms: [{term: x, weight: heavy}]\n", "terms[0].weight: must be a number"),
    ("profiles:\n  p:\n    terms: []\n", "profile 'p': terms: must be a non-empty list"),
    ("profiles:\n  p:\n    terms: [x]\n  p:\n    terms: [y]\n", "line 4: duplicate key 'p'"),
    ("defaults:\n  threshold: high\nprofiles:\n  p:\n    terms: [x]\n", "defaults.threshold: must be a number"),
    ("profiles:\n  p:\n    terms: [x]\n    fields: {body: 2}\n", "unknown field 'body'"),
    ("!!python/object/apply:os.system ['echo hi']\n", "invalid YAML"),
    ("- just\n- a list\n", "a config is a mapping"),
])
def test_bad_config_names_file_profile_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)


def test_lookup_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    explicit, env, local = (write(tmp_path, "profiles: {p: {terms: [x]}}", n) for n in ("a.yaml", "b.yaml", "papertriage.yaml"))
    user = tmp_path / "config-home" / "papertriage" / "config.yaml"
    user.parent.mkdir(parents=True)
    user.write_text("profiles: {p: {terms: [x]}}", encoding="utf-8")
    monkeypatch.setenv("PAPERTRIAGE_CONFIG", str(env))
    assert find_config(str(explicit)) == explicit
    assert find_config(None) == env
    monkeypatch.delenv("PAPERTRIAGE_CONFIG")
    assert find_config(None) == Path("papertriage.yaml")
    local.unlink()
    assert find_config(None) == user
