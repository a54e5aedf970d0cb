"""The shortcut that skips jinja2's parser for plainly valid templates must never accept a
template jinja2 rejects (and should accept the common simple ones)."""

import random
import subprocess
import sys

import jinja2
import pytest

from advisor.loaders.jinja import _plainly_valid

PIECES = [
    "Hello ", "{{ name }}", "{{ user.name | upper }}", "{{ items[0] }}", "{{ d['k'] }}", "{{ if }}",
    "{{ a + }}", "{{ x|e }}", "{% if x %}", "{% if not x %}", "{% if x == 'a' %}", "{% if x = 1 %}",
    "{% elif y %}", "{% else %}", "{% endif %}", "{% for a in b %}", "{% for a, b in c.items %}",
    "{% for in b %}", "{% endfor %}", "{% endfor x %}", "{# note #}", "{# open", "{{ name ", "{% if %}",
    "}}", "%}", "{%- if x -%}", "{{- name -}}", "{% raw %}", "{% endraw %}", "{% set x = 1 %}", "\n", ".",
    "{{ 'str' }}", "{{ true }}", "{{ a.for }}", "{% if a in b %}", "{% else x %}",
]


def _jinja_accepts(source: str) -> bool:
    try:
        jinja2.Environment().parse(source)
        return True
    except jinja2.TemplateSyntaxError:
        return False


@pytest.mark.parametrize("seed", range(40))
def test_never_accepts_what_jinja_rejects(seed):
    rng = random.Random(seed)
    for _ in range(200):
        source = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 12)))
        if _plainly_valid(source):
            assert _jinja_accepts(source), source


def test_accepts_the_common_simple_templates():
    simple = "{# c #}You help {{ customer_name }} with {{ product }}.\n{% if urgent %}Urgent.{% endif %}\n{{ message }}\n"
    assert _plainly_valid(simple) and _jinja_accepts(simple)
    looped = "{% for t in tickets %}- {{ t.title | trim }}{% else %}none{% endfor %}"
    assert _plainly_valid(looped)
    assert not _plainly_valid("{% if x %}unclosed")


def test_plain_templates_are_read_without_importing_jinja2(tmp_path):
    """jinja2 is loaded only for a template the shortcut cannot vouch for (or with sample
    variables): a run over plain templates and prompt files does not pay its import."""
    code = (
        "import sys\n"
        "from advisor.loaders import jinja, text\n"
        "jinja.load('a.j2', 'Hi {{ name }}.{% if x %} Urgent.{% endif %}')\n"
        "text.load('b.prompt', 'Reply to {{ message }} in {n} words.')\n"
        "print('jinja2' in sys.modules)\n"
        "document = jinja.load('c.j2', 'Hi {{ name ')\n"
        "print('jinja2' in sys.modules, document.problems[0].message)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True).stdout
    plain, broken = out.splitlines()
    assert plain == "False"
    assert broken.startswith("True invalid Jinja template: ")
