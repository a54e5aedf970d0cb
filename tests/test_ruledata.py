import json

from advisor import ruledata


def test_every_rule_file_parses_and_the_json_cache_returns_the_same_data(tmp_path, monkeypatch):
    monkeypatch.setenv(ruledata.CACHE_ENV, str(tmp_path))
    for path in sorted(ruledata.rules_dir().glob("*.yaml")):
        ruledata.load.cache_clear()
        first = ruledata.load(path.name)  # parses YAML, writes the cache
        cached = list(tmp_path.glob(f"rules-v2-{path.stem}-*.json"))
        assert len(cached) == 1, path.name
        ruledata.load.cache_clear()
        assert ruledata.load(path.name) == first == ruledata.parse_yaml(path)
        assert json.loads(cached[0].read_text())["data"] == first
    ruledata.load.cache_clear()


def test_a_corrupt_cache_falls_back_to_the_yaml(tmp_path, monkeypatch):
    monkeypatch.setenv(ruledata.CACHE_ENV, str(tmp_path))
    ruledata.load.cache_clear()
    expected = ruledata.load("models.yaml")
    for cached in tmp_path.glob("rules-v2-models-*.json"):
        cached.write_text("{broken")
    ruledata.load.cache_clear()
    assert ruledata.load("models.yaml") == expected
    ruledata.load.cache_clear()


def test_a_wrong_shaped_cache_is_a_miss(tmp_path, monkeypatch):
    # valid JSON of another shape used to replace the rule pack (or crash every run)
    monkeypatch.setenv(ruledata.CACHE_ENV, str(tmp_path))
    ruledata.load.cache_clear()
    expected = ruledata.load("models.yaml")
    [cached] = tmp_path.glob("rules-v2-models-*.json")
    wrapper = json.loads(cached.read_text())
    edited = json.loads(cached.read_text())
    edited["data"]["models"] = []
    for content in ("{}", "[]", "NaN", json.dumps({**wrapper, "data": []}), json.dumps(edited)):
        cached.write_text(content)
        ruledata.load.cache_clear()
        assert ruledata.load("models.yaml") == expected, content[:40]
    ruledata.load.cache_clear()


def test_cache_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv(ruledata.CACHE_ENV, "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    ruledata.load.cache_clear()
    assert ruledata.load("models.yaml")["models"]
    assert not any(tmp_path.rglob("*.json"))
    ruledata.load.cache_clear()


def test_copies_of_older_rule_packs_are_pruned_per_file(tmp_path, monkeypatch):
    # every edit of a rule file (or advisor upgrade that changes it) writes a new copy
    import os

    from advisor import derived

    monkeypatch.setenv(ruledata.CACHE_ENV, str(tmp_path))
    old = [tmp_path / f"rules-v2-models-{index:024x}.json" for index in range(derived.KEEP_PER_FAMILY + 2)]
    for age, path in enumerate(old):
        path.write_text("{}")
        os.utime(path, (1_000_000 + age, 1_000_000 + age))
    other = tmp_path / "rules-v2-lengths-000000000000000000000001.json"
    other.write_text("{}")
    ruledata.load.cache_clear()
    ruledata.load("models.yaml")  # no copy of this pack yet: parsed, and a copy written
    ruledata.load.cache_clear()
    models = sorted(path.name for path in tmp_path.glob("rules-v2-models-*.json"))
    assert len(models) == derived.KEEP_PER_FAMILY
    newest_old = sorted(path.name for path in old[-(derived.KEEP_PER_FAMILY - 1):])
    assert set(newest_old) < set(models)  # the newest older copies stay, with the new one
    assert other.exists()  # another rule file's copy is not this family's
