import json

from advisor import ruledata


def test_every_rule_file_parses_and_the_json_cache_returns_the_same_data(tmp_path, monkeypatch):
    monkeypatch.setenv(ruledata.CACHE_ENV, str(tmp_path))
    for path in sorted(ruledata.rules_dir().glob("*.yaml")):
        ruledata.load.cache_clear()
        first = ruledata.load(path.name)  # parses YAML, writes the cache
        cached = list(tmp_path.glob(f"rules-{path.stem}-*.json"))
        assert len(cached) == 1, path.name
        ruledata.load.cache_clear()
        assert ruledata.load(path.name) == first == ruledata.parse_yaml(path)
        assert json.loads(cached[0].read_text()) == first
    ruledata.load.cache_clear()


def test_a_corrupt_cache_falls_back_to_the_yaml(tmp_path, monkeypatch):
    monkeypatch.setenv(ruledata.CACHE_ENV, str(tmp_path))
    ruledata.load.cache_clear()
    expected = ruledata.load("models.yaml")
    for cached in tmp_path.glob("rules-models-*.json"):
        cached.write_text("{broken")
    ruledata.load.cache_clear()
    assert ruledata.load("models.yaml") == expected
    ruledata.load.cache_clear()


def test_cache_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv(ruledata.CACHE_ENV, "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    ruledata.load.cache_clear()
    assert ruledata.load("models.yaml")["models"]
    assert not any(tmp_path.rglob("*.json"))
    ruledata.load.cache_clear()
