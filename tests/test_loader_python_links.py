"""The Python loader: prompt text a call reads from other files becomes `PromptCall.links`."""

from __future__ import annotations

import pytest

from advisor.model import Link, Role

from helpers import load_py, only_call, source_span

IMPORTS = "import importlib.resources, os, pathlib, textwrap\nfrom pathlib import Path\n"


# ---------------------------------------------------------------------------------------
# Ways of reading a file
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("system", "read", "name", "search_dirs", "relative_to_file"),
    [
        ('Path("prompts/x.txt").read_text()', 'Path("prompts/x.txt").read_text()', "prompts/x.txt", (), False),
        ('pathlib.Path("prompts/x.txt").read_text(encoding="utf-8")',
         'pathlib.Path("prompts/x.txt").read_text(encoding="utf-8")', "prompts/x.txt", (), False),
        ('open("prompts/x.txt").read()', 'open("prompts/x.txt").read()', "prompts/x.txt", (), False),
        ('open("prompts/x.txt", "rb").read().decode("utf-8")', 'open("prompts/x.txt", "rb").read()',
         "prompts/x.txt", (), False),
        ('(Path(__file__).parent / "prompts" / "x.txt").read_text()',
         '(Path(__file__).parent / "prompts" / "x.txt").read_text()', "prompts/x.txt", (), True),
        ('open(os.path.join(os.path.dirname(__file__), "prompts", "x.txt")).read()',
         'open(os.path.join(os.path.dirname(__file__), "prompts", "x.txt")).read()', "prompts/x.txt", (), True),
        ('Path(__file__).resolve().parent.parent.joinpath("prompts", "x.txt").read_text()',
         'Path(__file__).resolve().parent.parent.joinpath("prompts", "x.txt").read_text()',
         "../prompts/x.txt", (), True),
        ('Path(__file__).with_name("x.txt").read_text()', 'Path(__file__).with_name("x.txt").read_text()',
         "x.txt", (), True),
        ('importlib.resources.files("pkg").joinpath("x.txt").read_text()',
         'importlib.resources.files("pkg").joinpath("x.txt").read_text()', "x.txt", ("pkg",), False),
        ('(importlib.resources.files(__package__) / "x.txt").read_text()',
         '(importlib.resources.files(__package__) / "x.txt").read_text()', "x.txt", (), True),
        ('importlib.resources.read_text("pkg.data", "x.txt")', 'importlib.resources.read_text("pkg.data", "x.txt")',
         "x.txt", ("pkg/data",), False),
        # reshaped after reading: the link points at the read itself
        ('Path("prompts/x.txt").read_text().strip()', 'Path("prompts/x.txt").read_text()', "prompts/x.txt", (), False),
        ('textwrap.dedent(open("prompts/x.txt").read())', 'open("prompts/x.txt").read()', "prompts/x.txt", (), False),
        ('Path("prompts/x.txt").read_text().format(name=name)', 'Path("prompts/x.txt").read_text()',
         "prompts/x.txt", (), False),
        ('open("prompts/x.txt").read() % {"name": name}', 'open("prompts/x.txt").read()', "prompts/x.txt", (), False),
    ],
)
def test_a_system_prompt_read_from_a_file(system, read, name, search_dirs, relative_to_file):
    source = IMPORTS + f'def ask(client, name):\n    client.messages.create(model="m", max_tokens=1, system={system})\n'
    call = only_call(source)
    assert call.links == [Link(name, Role.SYSTEM, source_span(source, read), search_dirs, relative_to_file)]
    assert call.system == [] and not call.system_dynamic  # the link stands for the text


def test_with_open_bound_to_a_constant_and_to_a_local():
    source = """
        with open("prompts/system.txt") as f:
            SYSTEM = f.read()

        def ask(client):
            with open("prompts/question.txt", encoding="utf-8") as handle:
                question = handle.read()
            return client.messages.create(model="m", max_tokens=1, system=SYSTEM,
                                          messages=[{"role": "user", "content": question}])
        """
    call = only_call(source)
    assert call.links == [
        Link("prompts/system.txt", Role.SYSTEM, source_span(source, 'open("prompts/system.txt")')),
        Link("prompts/question.txt", Role.USER, source_span(source, 'open("prompts/question.txt", encoding="utf-8")')),
    ]
    assert (call.system, call.messages) == ([], [])
    assert not call.system_dynamic and not call.messages_dynamic


def test_paths_and_reads_through_module_constants():
    source = """
        import os
        from pathlib import Path

        PROMPTS = Path(__file__).parent / "prompts"
        BASE_DIR = os.path.dirname(os.path.abspath(__file__))
        SYSTEM_PROMPT = (PROMPTS / "system.md").read_text()
        USER_TEMPLATE = open(BASE_DIR + "/prompts/user.txt").read()
        FAQ = open(f"{BASE_DIR}/faq.txt").read()

        def ask(client, question):
            return client.messages.create(model="m", max_tokens=1, system=SYSTEM_PROMPT, messages=[
                {"role": "user", "content": USER_TEMPLATE.format(question=question)},
                {"role": "assistant", "content": FAQ},
            ])
        """
    document = load_py(source)
    assert document.texts == []  # no empty PromptText for a constant read from a file
    [call] = document.calls
    assert call.links == [
        Link("prompts/system.md", Role.SYSTEM, source_span(source, '(PROMPTS / "system.md").read_text()'), (), True),
        Link("prompts/user.txt", Role.USER,
             source_span(source, 'open(BASE_DIR + "/prompts/user.txt").read()'), (), True),
        Link("faq.txt", Role.ASSISTANT, source_span(source, 'open(f"{BASE_DIR}/faq.txt").read()'), (), True),
    ]
    assert call.links[0].span.line == 7
    assert not call.system_dynamic and not call.messages_dynamic


def test_roles_follow_the_slot_where_the_text_is_used():
    source = """
        from pathlib import Path
        RULES = Path("rules.txt").read_text()

        client.messages.create(model="m", max_tokens=1,
            system=[{"type": "text", "text": RULES, "cache_control": {"type": "ephemeral"}}],
            messages=[{"role": "user", "content": [{"type": "text", "text": RULES}]},
                      {"role": "assistant", "content": RULES}])
        """
    call = only_call(source)
    span = source_span(source, 'Path("rules.txt").read_text()')
    assert call.links == [Link("rules.txt", role, span) for role in (Role.SYSTEM, Role.USER, Role.ASSISTANT)]


def test_the_same_read_in_one_slot_is_linked_once():
    call = only_call(
        """
        from pathlib import Path
        RULES = Path("rules.txt").read_text()
        client.messages.create(model="m", max_tokens=1, system=[{"type": "text", "text": RULES},
                                                                 {"type": "text", "text": RULES}])
        """
    )
    assert [(link.name, link.role) for link in call.links] == [("rules.txt", Role.SYSTEM)]


def test_text_around_a_read_keeps_a_slot_and_is_not_dynamic():
    source = """
        from pathlib import Path
        RULES = Path("rules.txt").read_text()
        TEMPLATE_PROMPT = "Follow these rules: {rules}"

        def ask(client, question):
            return client.messages.create(model="m", max_tokens=1,
                system="Context: " + Path("context.txt").read_text(),
                messages=[{"role": "user", "content": f"{RULES}\\nQuestion: {question}"},
                          {"role": "user", "content": TEMPLATE_PROMPT.format(rules=Path("more.txt").read_text())}])
        """
    document = load_py(source)
    [call] = document.calls
    [system] = call.system
    assert system.text == 'Context: {{ Path("context.txt").read_text() }}'
    assert not call.system_dynamic
    assert [text.text for text in call.messages] == [
        "{{ RULES }}\nQuestion: {{ question }}",
        "Follow these rules: {{ rules }}",
    ]
    assert call.messages[1] is document.texts[0]  # the constant is still shared
    assert not call.messages_dynamic
    assert call.links == [
        Link("context.txt", Role.SYSTEM, source_span(source, 'Path("context.txt").read_text()')),
        Link("rules.txt", Role.USER, source_span(source, 'Path("rules.txt").read_text()')),
        Link("more.txt", Role.USER, source_span(source, 'Path("more.txt").read_text()')),
    ]


def test_a_read_next_to_computed_text_is_linked_and_dynamic():
    call = only_call(
        """
        from pathlib import Path
        def ask(client, extra):
            return client.messages.create(model="m", max_tokens=1, system=Path("base.txt").read_text() + extra())
        """
    )
    assert [link.name for link in call.links] == ["base.txt"]
    assert call.system_dynamic


# ---------------------------------------------------------------------------------------
# Jinja templates
# ---------------------------------------------------------------------------------------


def test_get_template_with_a_file_system_loader():
    source = """
        import jinja2
        from jinja2 import FileSystemLoader

        env = jinja2.Environment(loader=FileSystemLoader("templates"))

        def ask(client, question):
            return client.messages.create(model="m", max_tokens=1, messages=[
                {"role": "user", "content": env.get_template("reply.j2").render(question=question)}])
        """
    call = only_call(source)
    read = source_span(source, 'env.get_template("reply.j2")')
    assert call.links == [Link("reply.j2", Role.USER, read, ("templates",))]
    assert call.messages == [] and not call.messages_dynamic


@pytest.mark.parametrize(
    ("loader", "search_dirs"),
    [
        ('FileSystemLoader(["templates", "shared/templates"])', ("templates", "shared/templates")),
        ('FileSystemLoader(Path(__file__).parent / "templates")', ("templates",)),
        ('FileSystemLoader(searchpath=os.path.join(os.path.dirname(__file__), "tpl"))', ("tpl",)),
        ('PackageLoader("myapp")', ("myapp/templates",)),
        ('PackageLoader("myapp.web", "prompts")', ("myapp/web/prompts",)),
        ('ChoiceLoader([FileSystemLoader("local"), PackageLoader("myapp")])', ("local", "myapp/templates")),
        ("LOADER", ("from_constant",)),
    ],
)
def test_template_folders_of_the_loader(loader, search_dirs):
    source = f"""
        import os
        from pathlib import Path
        from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader

        LOADER = FileSystemLoader("from_constant")

        def ask(client):
            env = Environment(loader={loader}, autoescape=False)
            template = env.get_template("system.j2")
            return client.messages.create(model="m", max_tokens=1, system=template.render())
        """
    call = only_call(source)
    assert call.links == [Link("system.j2", Role.SYSTEM, source_span(source, 'env.get_template("system.j2")'),
                               search_dirs)]
    assert not call.system_dynamic


def test_an_environment_the_code_does_not_show_uses_the_module_loaders():
    source = """
        from jinja2 import Environment, FileSystemLoader

        class Bot:
            def __init__(self):
                self.env = Environment(loader=FileSystemLoader("templates"))

            def ask(self, client):
                return client.messages.create(model="m", max_tokens=1,
                                              system=self.env.get_template("bot.j2").render())

        def other(client, env):
            return client.messages.create(model="m", max_tokens=1, system=env.get_template("other.j2").render())
        """
    first, second = load_py(source).calls
    assert first.links == [Link("bot.j2", Role.SYSTEM, source_span(source, 'self.env.get_template("bot.j2")'),
                                ("templates",))]
    assert second.links[0].search_dirs == ("templates",)
    # an environment without a loader has no folders to offer
    call = only_call('import jinja2\nenv = jinja2.Environment()\n'
                     'client.messages.create(model="m", max_tokens=1, system=env.get_template("a.j2").render())\n')
    assert call.links[0].search_dirs == ()


def test_template_built_from_a_read_file():
    source = """
        from pathlib import Path
        from jinja2 import Environment, Template

        def ask(client, env: Environment, q):
            return client.messages.create(model="m", max_tokens=1,
                system=Template(Path("system.j2").read_text()).render(q=q),
                messages=[{"role": "user", "content": env.from_string(open("user.j2").read()).render(q=q)}])
        """
    call = only_call(source)
    assert call.links == [
        Link("system.j2", Role.SYSTEM, source_span(source, 'Path("system.j2").read_text()')),
        Link("user.j2", Role.USER, source_span(source, 'open("user.j2").read()')),
    ]
    assert not call.system_dynamic and not call.messages_dynamic


# ---------------------------------------------------------------------------------------
# Not links: the path is computed, or nothing is read
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "system",
    [
        'open(f"prompts/{name}.txt").read()',
        "Path(path).read_text()",
        'Path(path).read_text("utf-8", "strict")',  # positional encoding, not importlib.resources.read_text
        "open(os.path.join(folder, 'x.txt')).read()",
        "env.get_template(name).render()",
        'env.get_template(f"{name}.j2").render()',
        "open(__file__).read()",
        'gzip.open("prompts.txt.gz").read().decode()',
        "Path(choose()).read_text()",
        "load_prompt('prompts/x.txt')",
    ],
)
def test_a_computed_path_is_dynamic_not_a_link(system):
    call = only_call(
        f"""
        import gzip, os
        from pathlib import Path
        def ask(client, env, name, path, folder):
            return client.messages.create(model="m", max_tokens=1, system={system})
        """
    )
    assert call.links == []
    assert call.system == [] and call.system_dynamic


def test_a_name_bound_twice_is_not_followed_to_a_file():
    call = only_call(
        """
        from pathlib import Path
        def ask(client, short):
            prompt = Path("long.txt").read_text()
            if short:
                prompt = Path("short.txt").read_text()
            return client.messages.create(model="m", max_tokens=1, system=prompt)
        """
    )
    assert call.links == [] and call.system_dynamic


def test_reads_outside_calls_and_plain_prompts_make_no_links():
    document = load_py(
        """
        from pathlib import Path
        NOTES = Path("notes.txt").read_text()
        client.messages.create(model="m", max_tokens=1, system="Be brief.")
        """
    )
    [call] = document.calls
    assert call.links == [] and [text.text for text in call.system] == ["Be brief."]
