"""Start-up work kept between runs (compiled phrase patterns, the tokenizer's ranks) gives
exactly what doing the work gives, and any damaged or foreign copy is a miss."""

import re
import subprocess
import sys

import pytest

from advisor import derived, lengths, ruledata, tasks, tokens

PATTERN = r"(?:(?<!\w)in (?:at most|no more than) (?P<n>\d+) words(?!\w)|(?P<short>brief(?:ly)?))"


@pytest.fixture
def cache(derived_store):
    return derived_store


def test_a_stored_pattern_is_the_pattern_re_compiles(cache):
    first = derived.compile_pattern(PATTERN, re.IGNORECASE)
    [stored] = cache.glob("patterns-*.marshal")
    derived._stored_patterns.cache_clear()  # a new process: the pattern comes from the file
    again = derived.compile_pattern(PATTERN, re.IGNORECASE)
    truth = re.compile(PATTERN, re.IGNORECASE)
    assert again == truth == first  # Pattern equality compares the compiled code
    assert again.groupindex == truth.groupindex and again.flags == truth.flags
    text = "Answer BRIEFLY, in at most 40 words."
    assert [m.groupdict() for m in again.finditer(text)] == [m.groupdict() for m in truth.finditer(text)]
    assert stored.stat().st_size > 0


def test_damaged_or_foreign_pattern_files_fall_back_to_compiling(cache):
    derived.compile_pattern(PATTERN)
    [stored] = cache.glob("patterns-*.marshal")
    good = stored.read_bytes()
    for damaged in (b"", good[:40], good[:-10], b"x" * len(good), good[:16] + b"\x00" + good[17:]):
        stored.write_bytes(damaged)
        derived._stored_patterns.cache_clear()
        assert derived.compile_pattern(PATTERN) == re.compile(PATTERN)
    # well-formed file whose code words are wrong (another engine's): the engine rejects
    # them, and the pattern is compiled as usual
    derived._stored_patterns.cache_clear()
    words = b"".join(word.to_bytes(4, sys.byteorder) for word in (1, 2, 3))
    derived._stored_patterns().put(PATTERN, 0, (0, words, 2, {"n": 1, "short": 2}, (None, "n", "short")))
    derived._stored_patterns.cache_clear()
    assert derived.compile_pattern(PATTERN) == re.compile(PATTERN)


def test_each_stored_pattern_is_checked_on_its_own(cache):
    """Runs add patterns to one file; a damaged entry costs only its own pattern a compile,
    the others still come from the file (read entry by entry, not the whole file)."""
    other = r"(?:(?<!\w)(?:tl;dr|in short)(?!\w))"
    derived.compile_pattern(PATTERN)
    derived._stored_patterns.cache_clear()  # a second run adds another pattern
    derived.compile_pattern(other, re.IGNORECASE)
    derived._stored_patterns.cache_clear()
    store = derived._stored_patterns()
    assert store.get(PATTERN, 0) is not None and store.get(other, int(re.IGNORECASE)) is not None
    [stored] = cache.glob("patterns-*.marshal")
    data = bytearray(stored.read_bytes())
    data[-3] ^= 0xFF  # inside the entry written last
    stored.write_bytes(bytes(data))
    derived._stored_patterns.cache_clear()
    store = derived._stored_patterns()
    assert store.get(PATTERN, 0) is not None
    assert store.get(other, int(re.IGNORECASE)) is None
    assert derived.compile_pattern(other, re.IGNORECASE) == re.compile(other, re.IGNORECASE)
    derived._stored_patterns.cache_clear()
    assert derived._stored_patterns().get(other, int(re.IGNORECASE)) is not None  # stored again, whole


def test_the_cache_turned_off_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv(derived.CACHE_ENV, "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    derived._stored_patterns.cache_clear()
    assert derived.compile_pattern(PATTERN) == re.compile(PATTERN)
    assert not any(tmp_path.rglob("*"))
    derived._stored_patterns.cache_clear()


def test_a_run_with_stored_patterns_and_ranks_reads_prompts_as_a_fresh_one(tmp_path):
    # Two processes: the first fills the cache, the second reads every pattern and the
    # tokenizer from it; both must find the same lengths, task cues and token counts.
    probe = (
        "from advisor import lengths, tasks, tokens\n"
        "texts = ['Summarize the ticket in no more than 120 words.', "
        "'Résume le ticket en 50 mots maximum, sans détails.', "
        "'Classify the review as positive or negative. Answer with one word.', "
        "'Schreibe einen ausführlichen Bericht von mindestens 2000 Wörtern.']\n"
        "for text in texts:\n"
        "    print(lengths.find_length_requests(text), tasks.classify_task(text).verdict, tokens.raw_count(text))\n"
        "print(tokens.counting_method())\n"
    )
    env = {"ADVISOR_RULES_CACHE": str(tmp_path), "PATH": "/usr/bin:/bin"}
    runs = [subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True) for _ in range(2)]
    assert list(tmp_path.glob("patterns-*.marshal")) and list(tmp_path.glob("encoding-*.marshal"))
    assert runs[0].stdout == runs[1].stdout
    assert runs[0].stdout.strip().endswith("cl100k_base")
    # and both agree with this process, whatever its cache held
    for line, text in zip(runs[0].stdout.splitlines(), [
        "Summarize the ticket in no more than 120 words.",
        "Résume le ticket en 50 mots maximum, sans détails.",
        "Classify the review as positive or negative. Answer with one word.",
        "Schreibe einen ausführlichen Bericht von mindestens 2000 Wörtern.",
    ]):
        assert line == f"{lengths.find_length_requests(text)} {tasks.classify_task(text).verdict} {tokens.raw_count(text)}"


def test_a_damaged_tokenizer_copy_counts_as_the_bundled_encoding(tmp_path):
    probe = "from advisor import tokens\nprint(tokens.raw_count('Hello, wonderful world of tokens!'), tokens.counting_method())\n"
    env = {"ADVISOR_RULES_CACHE": str(tmp_path), "PATH": "/usr/bin:/bin"}
    fresh = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True).stdout
    [stored] = tmp_path.glob("encoding-*.marshal")
    stored.write_bytes(stored.read_bytes()[:1000])
    damaged = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True).stdout
    assert fresh == damaged and fresh.split()[1] == "cl100k_base"
    assert ruledata.CACHE_ENV == derived.CACHE_ENV


def test_old_stored_files_of_a_kind_are_pruned_newest_kept(cache):
    """Every tiktoken release or Python build stores a file of its own (1-2 MB each): only
    the newest few of a kind stay, so upgrades do not pile files up in the user's cache."""
    import os
    import time

    names = [f"encoding-{index:04x}.marshal" for index in range(derived.KEEP_PER_FAMILY + 3)]
    past = time.time_ns() - 3600 * 10**9
    for index in reversed(range(len(names))):  # names[0] is written last, so newest
        derived.write(names[index], {"n": index})
        stamp = past - index * 10**9
        os.utime(cache / names[index], ns=(stamp, stamp))
    derived.write("patterns-other.marshal", {})
    derived.write(names[0], {"n": "again"})  # a write prunes its own kind only
    kept = sorted(path.name for path in cache.glob("encoding-*.marshal"))
    assert kept == sorted(names[: derived.KEEP_PER_FAMILY])
    assert (cache / "patterns-other.marshal").exists() and derived.read(names[0]) == {"n": "again"}


def test_a_made_text_is_kept_and_a_damaged_copy_is_made_again(cache):
    from advisor import language

    made: list[tuple[str, ...]] = []
    phrases = ("in # words", "no more than # sentences", "brief(ly)")

    def make() -> str:
        made.append(phrases)
        return language.make_phrase_pattern(phrases)

    derived._stored_made.cache_clear()
    first = derived.made_text("phrases", phrases, make)
    [stored] = cache.glob("phrases-*.marshal")
    derived._stored_made.cache_clear()  # a new process: the text comes from the file
    assert derived.made_text("phrases", phrases, make) == first == language.make_phrase_pattern(phrases)
    assert len(made) == 1
    stored.write_bytes(stored.read_bytes()[:-5])  # damaged: made again, the same
    derived._stored_made.cache_clear()
    assert derived.made_text("phrases", phrases, make) == first
    assert len(made) == 2
    derived._stored_made.cache_clear()


def test_phrase_patterns_from_the_store_are_the_ones_built(cache):
    from advisor import language, lengths

    lists = [tuple(language._data()["languages"][code]["negations"]) for code in language._data()["languages"]]
    derived._stored_made.cache_clear()
    built = [language.phrase_pattern(phrases) for phrases in lists]
    derived._stored_made.cache_clear()
    assert [language.phrase_pattern(phrases) for phrases in lists] == built == [language.make_phrase_pattern(p) for p in lists]
    assert lengths.find_length_requests("Answer in at most 40 words.", (), language="en")
    derived._stored_made.cache_clear()


def _forget_rule_data() -> None:
    """Drop every per-process memo of the rule pack and of what is derived from it, and
    what this process read from the derived-data folder: the next use reads as a new process."""
    from advisor import language

    for memo in (ruledata.load, ruledata.digest, language._data, language.supported_languages,
                 language._stopword_index, language.stopwords, language.detect_language, language.negation_pattern,
                 lengths._data, lengths._derived, lengths._lexicon, lengths._scan_words, tasks._data, tasks._matcher,
                 derived._stored_made):
        memo.cache_clear()
    lengths._SCANNERS.clear()


def test_each_languages_lexicon_and_cues_come_back_from_the_store_as_built(cache):
    from advisor.language import supported_languages

    _forget_rule_data()
    for code in supported_languages():
        built = lengths._derive(code), tasks._derive(code)
        assert (lengths._derived(code), tasks._derived(code)) == built  # built, and stored
    assert {path.name.partition("-")[0] for path in cache.glob("*_*-*.marshal")} == {
        f"{module}_{code}" for module in ("lengths", "tasks") for code in supported_languages()}
    _forget_rule_data()
    for code in supported_languages():
        assert (lengths._derived(code), tasks._derived(code)) == (lengths._derive(code), tasks._derive(code))
    _forget_rule_data()


def test_an_edited_rule_pack_is_not_read_with_what_was_derived_from_the_old_one(cache, tmp_path, monkeypatch):
    # the same build of advisor (one code digest) over an edited pack: what lengths and
    # tasks keep is keyed by the rule files' own digests
    import shutil

    pack = tmp_path / "pack"
    shutil.copytree(ruledata.rules_dir(), pack)
    monkeypatch.setattr(ruledata, "rules_dir", lambda: pack)
    text = "Zorbify the ticket. Answer in 50 wordz."
    try:
        _forget_rule_data()
        assert lengths.find_length_requests(text, language="en") == []
        assert tasks.classify_task(text, language="en").simple == ()
        lengths_yaml, tasks_yaml = pack / "lengths.yaml", pack / "tasks.yaml"
        lengths_yaml.write_text(lengths_yaml.read_text().replace("      words: [word, words]\n", "      words: [word, words, wordz]\n", 1))
        tasks_yaml.write_text(tasks_yaml.read_text().replace("      en: [classify, ", "      en: [zorbify, classify, ", 1))
        _forget_rule_data()
        [request] = lengths.find_length_requests(text, language="en")
        assert (request.unit, request.maximum, request.phrase) == ("words", 50, "in 50 wordz")
        assert [cue.label for cue in tasks.classify_task(text, language="en").simple] == ["classification", "short answer"]
        assert len(list(cache.glob("lengths_en-*.marshal"))) == 1  # one build: both packs' data in its file
    finally:
        _forget_rule_data()
