from advisor import derived, ruledata

COPIES = "rulepack-{}-*.marshal"


def test_every_rule_file_parses_and_the_stored_copy_returns_the_same_data(tmp_path, monkeypatch):
    monkeypatch.setenv(ruledata.CACHE_ENV, str(tmp_path))
    for path in sorted(ruledata.rules_dir().glob("*.yaml")):
        ruledata.load.cache_clear()
        first = ruledata.load(path.name)  # parses YAML, writes the copy
        cached = list(tmp_path.glob(COPIES.format(path.stem)))
        assert len(cached) == 1, path.name
        ruledata.load.cache_clear()
        assert ruledata.load(path.name) == first == ruledata.parse_yaml(path)
        assert derived.read(cached[0].name) == first
    ruledata.load.cache_clear()


def test_a_corrupt_copy_falls_back_to_the_yaml(tmp_path, monkeypatch):
    monkeypatch.setenv(ruledata.CACHE_ENV, str(tmp_path))
    ruledata.load.cache_clear()
    expected = ruledata.load("models.yaml")
    [cached] = tmp_path.glob(COPIES.format("models"))
    stored = cached.read_bytes()
    for content in (b"", b"{broken", stored[:-7], stored[:40] + bytes([stored[40] ^ 1]) + stored[41:]):
        cached.write_bytes(content)
        ruledata.load.cache_clear()
        assert ruledata.load("models.yaml") == expected, content[:40]
    ruledata.load.cache_clear()


def test_a_copy_of_another_shape_is_a_miss(tmp_path, monkeypatch):
    # a well-formed file holding something else than the parsed rule file (a list, an
    # emptied mapping written by another tool) must not replace the rule pack
    monkeypatch.setenv(ruledata.CACHE_ENV, str(tmp_path))
    ruledata.load.cache_clear()
    expected = ruledata.load("models.yaml")
    [cached] = tmp_path.glob(COPIES.format("models"))
    for value in ([], "models", None):
        derived.write(cached.name, value)
        ruledata.load.cache_clear()
        assert ruledata.load("models.yaml") == expected, value
    ruledata.load.cache_clear()


def test_cache_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv(ruledata.CACHE_ENV, "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    ruledata.load.cache_clear()
    assert ruledata.load("models.yaml")["models"]
    assert not any(tmp_path.rglob("*"))
    ruledata.load.cache_clear()


def test_copies_of_older_rule_packs_are_pruned_per_file(tmp_path, monkeypatch):
    # every edit of a rule file (or advisor upgrade that changes it) writes a new copy
    import os

    monkeypatch.setenv(ruledata.CACHE_ENV, str(tmp_path))
    old = [tmp_path / f"rulepack-models-{index:024x}.marshal" for index in range(derived.KEEP_PER_FAMILY + 2)]
    for age, path in enumerate(old):
        path.write_bytes(b"")
        os.utime(path, (1_000_000 + age, 1_000_000 + age))
    other = tmp_path / "rulepack-lengths-000000000000000000000001.marshal"
    other.write_bytes(b"")
    ruledata.load.cache_clear()
    ruledata.load("models.yaml")  # no copy of this pack yet: parsed, and a copy written
    ruledata.load.cache_clear()
    models = sorted(path.name for path in tmp_path.glob(COPIES.format("models")))
    assert len(models) == derived.KEEP_PER_FAMILY
    newest_old = sorted(path.name for path in old[-(derived.KEEP_PER_FAMILY - 1):])
    assert set(newest_old) < set(models)  # the newest older copies stay, with the new one
    assert other.exists()  # another rule file's copy is not this family's


def test_pruning_other_derived_files_keeps_the_rule_pack_copies(tmp_path, monkeypatch):
    # the rule index is kept as rules-<code digest>.marshal, the newest few of them
    monkeypatch.setenv(ruledata.CACHE_ENV, str(tmp_path))
    ruledata.load.cache_clear()
    ruledata.load("models.yaml")
    [copy] = tmp_path.glob(COPIES.format("models"))
    for index in range(derived.KEEP_PER_FAMILY + 2):
        derived.write(f"rules-{index:024x}.marshal", [index])
    assert copy.exists()
    ruledata.load.cache_clear()


def test_an_earlier_releases_json_copies_go_when_this_release_writes_its_own(tmp_path, monkeypatch):
    monkeypatch.setenv(ruledata.CACHE_ENV, str(tmp_path))
    earlier = [tmp_path / f"rules-v2-models-{index:024x}.json" for index in range(3)]
    for path in earlier:
        path.write_text("{}")
    another_file = tmp_path / "rules-v2-lengths-000000000000000000000001.json"
    another_file.write_text("{}")
    ruledata.load.cache_clear()
    ruledata.load("models.yaml")  # no copy of this pack yet: parsed, and a copy written
    ruledata.load.cache_clear()
    assert not any(path.exists() for path in earlier)
    assert another_file.exists()  # removed when the lengths pack is copied, not before
    assert list(tmp_path.glob(COPIES.format("models")))
