"""Values and handlers that live away from the call: in-module defaults, attributes,
environment defaults and option lists (the loader), and sibling modules of the project
(the finish stage: `imported.py`, `callers.py`, the index in `modules.py`)."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest

from advisor.config import Settings
from advisor.engine import Linter
from advisor.fixes import apply_fixes
from advisor.model import Kind, RunsIn

from helpers import load_py, only_call, source_span

TODAY = datetime.date(2026, 12, 7)
RETIRED = "claude-3-5-sonnet-20241022"  # retired by TODAY (rules/models.yaml)
CURRENT = "claude-sonnet-5-5"


def lint(root: Path, *paths: str, cache: bool = False, **settings):
    linter = Linter(Settings(root=root, today=TODAY, **settings), use_cache=cache)
    return linter.lint_paths([root / path for path in paths] or [root])


def findings(result, rule: str) -> list:
    return [finding for finding in result.findings if finding.rule == rule]


@pytest.fixture
def project(make_repo, monkeypatch):
    """A scratch repository (its own tree: a `.git` folder) as the working directory."""

    def make(files: dict[str, str]) -> Path:
        root = make_repo({".git/HEAD": "ref: refs/heads/main\n", **files})
        monkeypatch.chdir(root)
        return root

    return make


# ---------------------------------------------------------------------------------------
# Within one module (the loader)
# ---------------------------------------------------------------------------------------


def test_an_environment_default_is_the_value_and_its_fix_edits_the_default():
    source = f'import os, anthropic\nanthropic.Anthropic().messages.create(model=os.getenv("M", "{RETIRED}"), max_tokens=9, messages=[])\n'
    call = only_call(source)
    assert call.model.value == RETIRED
    assert call.model.span == source_span(source, f'"{RETIRED}"')
    assert call.model.origin.description == "environment default of `M`" and call.model.origin.editable
    linter = Linter(Settings(root=Path.cwd(), today=TODAY, select=("deprecated-model",)), use_cache=False)
    [finding] = linter.lint_source("app.py", Kind.PYTHON, source).findings
    assert finding.message.endswith("[environment default of `M`]")
    fixed, _ = apply_fixes(source, [finding.fix])
    assert f'os.getenv("M", "{CURRENT}")' in fixed


def test_options_of_a_selectbox_are_candidates_not_the_value():
    source = """
        import anthropic, streamlit as st
        model = st.radio("Model", ("claude-haiku-5-5", "claude-opus-5-5", compute()))
        anthropic.Anthropic().messages.create(model=model, max_tokens=9, messages=[])
        """
    call = only_call(source)
    assert call.model.is_dynamic and call.model.get() is None  # rules needing the one value see a choice
    assert [c.value for c in call.model.candidates] == ["claude-haiku-5-5", "claude-opus-5-5"]
    assert call.model.candidates[1].span == source_span(source, '"claude-opus-5-5"')
    assert call.model.candidates[0].origin.description == "option of `st.radio`"


def test_a_dict_lookup_with_a_computed_key_offers_each_value():
    source = f"""
        import anthropic
        MODELS = {{"fast": "claude-haiku-5-5", "old": "{RETIRED}"}}
        def ask(choice):
            return anthropic.Anthropic().messages.create(model=MODELS[choice], max_tokens=9, messages=[])
        """
    assert [c.value for c in only_call(source).model.candidates] == ["claude-haiku-5-5", RETIRED]


def test_a_function_of_the_module_returning_a_constant():
    source = """
        import anthropic
        def default_model():
            return "claude-haiku-5-5"
        anthropic.Anthropic().messages.create(model=default_model(), max_tokens=9, messages=[])
        """
    call = only_call(source)
    assert call.model.value == "claude-haiku-5-5"
    assert call.model.origin.description == "the value `default_model()` returns"


def test_a_parameter_default_is_dropped_once_a_caller_passes_nothing_we_can_see():
    source = """
        import anthropic
        def ask(q, max_tokens=4096):
            return anthropic.Anthropic().messages.create(model="m", max_tokens=max_tokens, messages=[])
        ask("a", max_tokens=100)
        ask("b", **options)
        """
    assert only_call(source).max_tokens.is_dynamic  # overridden (or maybe so) at every call site
    assert only_call(source.replace('ask("b", **options)', 'ask("b")')).max_tokens.value == 4096


@pytest.mark.parametrize(
    ("imports", "argument", "expected"),
    [
        ("from config import MODEL", "model=MODEL", ("model", "config", 0, ("MODEL",), "MODEL", False, "", "", True)),
        ("from .settings import MODEL as M", "model=M", ("model", "settings", 1, ("MODEL",), "M", False, "", "", True)),
        ("import app.config", "model=app.config.MODEL",
         ("model", "app", 0, ("config", "MODEL"), "app.config.MODEL", False, "", "", True)),
        ("import prompts", "system=prompts.SYSTEM",
         ("system", "prompts", 0, ("SYSTEM",), "prompts.SYSTEM", False, "system", "", True)),
        ("import prompts", "system=prompts.get_instructions()",
         ("system", "prompts", 0, ("get_instructions",), "prompts.get_instructions()", True, "system", "", True)),
        ("from . import prompts", 'messages=[{"role": "user", "content": prompts.ASK.format(q=q)}]',
         ("messages", "", 1, ("prompts", "ASK"), "prompts.ASK.format(q=q)", False, "user", "format", False)),
    ],
)
def test_names_other_modules_define_are_recorded_for_the_finish_stage(imports, argument, expected):
    source = f"{imports}\ndef f(client, q):\n    client.messages.create(max_tokens=1, {argument})\n"
    [found] = only_call(source).imports
    assert (found.parameter, found.module, found.level, found.names, found.expression, found.called, found.role,
            found.formatting, found.whole) == expected
    assert found.span == source_span(source, found.expression, source.count(found.expression) - 1)


def test_a_local_rebinding_of_an_imported_name_is_not_the_import():
    document = load_py("from config import MODEL\nMODEL = MODEL.strip()\nclient.messages.create(model=MODEL, max_tokens=1, messages=[])\n")
    assert document.calls[0].imports == []


# ---------------------------------------------------------------------------------------
# Across modules (the finish stage)
# ---------------------------------------------------------------------------------------

CHAT = """
    import anthropic
    from config import MODEL, MAX_TOKENS
    import prompts
    client = anthropic.Anthropic()

    def ask(q):
        return client.messages.create(model=MODEL, max_tokens=MAX_TOKENS, system=prompts.get_instructions(),
                                      messages=[{"role": "user", "content": prompts.ASK.format(q=q)}])
    """
PROMPTS = """
    SYSTEM = "You are a support assistant for an online shop. Answer in 3 sentences."
    ASK = "Customer question: {q}"

    def get_instructions():
        return SYSTEM
    """


def test_constants_and_prompts_imported_from_sibling_modules(project):
    root = project({"chat.py": CHAT, "prompts.py": PROMPTS,
                    "config.py": f'MODEL = "{RETIRED}"\nMAX_TOKENS = 300\n'})
    linter = Linter(Settings(root=root, today=TODAY), use_cache=False)
    finished = linter.finish("chat.py", Kind.PYTHON, (root / "chat.py").read_text(), absolute=root / "chat.py")
    [call] = finished.document.calls
    assert (call.model.value, call.max_tokens.value) == (RETIRED, 300)
    assert call.model.span.line == 8  # where chat.py uses it
    assert call.max_tokens.origin.description == "`MAX_TOKENS` in config.py:2"
    assert [(t.path, t.role.value, t.text) for t in call.linked_texts] == [
        ("prompts.py", "system", "You are a support assistant for an online shop. Answer in 3 sentences."),
        ("prompts.py", "user", "Customer question: {{ q }}"),
    ]
    assert not call.system_dynamic
    assert set(finished.dependencies) == {"config.py", "prompts.py"}
    [finding] = findings(lint(root, "chat.py"), "deprecated-model")
    assert (finding.path, finding.span.line, finding.fix) == ("chat.py", 8, None)  # the literal is in config.py
    assert finding.message.endswith("[`MODEL` in config.py:1]")


def test_relative_imports_re_exports_and_chains(project):
    root = project({
        "app/__init__.py": "",
        "app/settings/__init__.py": "from .models import DEFAULT as MODEL\n",
        "app/settings/models.py": f'import os\nDEFAULT = os.environ.get("CLAUDE_MODEL", "{RETIRED}")\n',
        "app/chat.py": """
            import anthropic
            from .settings import MODEL
            def ask(q):
                return anthropic.Anthropic().messages.create(model=MODEL, max_tokens=100, messages=[])
            """,
    })
    [finding] = findings(lint(root, "app/chat.py"), "deprecated-model")
    assert finding.message.endswith("[environment default of `CLAUDE_MODEL` in app/settings/models.py:2]")


def test_a_package_module_named_like_a_third_party_package_is_not_the_import(project):
    root = project({
        "app/__init__.py": "",
        "app/redis.py": f'MODEL = "{RETIRED}"\n',  # `import redis` in the package means the real redis
        "app/chat.py": """
            import anthropic
            from redis import MODEL
            from json import MODEL as OTHER
            anthropic.Anthropic().messages.create(model=MODEL, max_tokens=100, messages=[])
            anthropic.Anthropic().messages.create(model=OTHER, max_tokens=100, messages=[])
            """,
        "json.py": f'MODEL = "{RETIRED}"\n',  # never shadows the standard library
    })
    result = lint(root, "app/chat.py")
    assert findings(result, "deprecated-model") == []
    assert result.files[0].dependencies == {}


def test_an_import_cycle_ends(project):
    root = project({
        "a.py": "from b import MODEL\n",
        "b.py": "from a import MODEL\n",
        "chat.py": "import anthropic\nfrom a import MODEL\nanthropic.Anthropic().messages.create(model=MODEL, max_tokens=1, messages=[])\n",
    })
    result = lint(root, "chat.py")
    assert result.errors == [] and result.findings == []
    assert set(result.files[0].dependencies) == {"a.py", "b.py"}


def test_modules_outside_the_tree_are_not_read(project, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secrets_config.py").write_text(f'MODEL = "{RETIRED}"\n')
    root = project({
        "repo/.git/HEAD": "x",
        "repo/pkg/__init__.py": "",
        "repo/pkg/chat.py": """
            import anthropic
            from ...up import MODEL
            from linked import MODEL as LINKED
            anthropic.Anthropic().messages.create(model=MODEL, max_tokens=1, messages=[])
            anthropic.Anthropic().messages.create(model=LINKED, max_tokens=1, messages=[])
            """,
        "up.py": f'MODEL = "{RETIRED}"\n',  # above the repository holding chat.py
    })
    os.symlink(outside / "secrets_config.py", root / "repo" / "pkg" / "linked.py")
    result = lint(root / "repo", "pkg/chat.py")
    assert findings(result, "deprecated-model") == []
    assert result.files[0].dependencies == {}


@pytest.mark.parametrize("config", ["MODEL = (\n", "MODEL = " + "(" * 50_000 + "1" + ")" * 50_000 + "\n",
                                    "MODEL = \"\\x00\0\"\n", b"\xff\xfe MODEL = 1".decode("latin-1")])
def test_a_broken_sibling_costs_only_its_values(project, config):
    root = project({
        "config.py": config,
        "chat.py": "import anthropic\nfrom config import MODEL\nanthropic.Anthropic().messages.create(model=MODEL, max_tokens=1, messages=[])\n",
    })
    result = lint(root, "chat.py")
    assert result.errors == [] and result.findings == []


def test_editing_the_imported_module_changes_the_cached_result(project):
    root = project({"chat.py": CHAT, "prompts.py": PROMPTS, "config.py": f'MODEL = "{RETIRED}"\nMAX_TOKENS = 300\n'})
    first = lint(root, "chat.py", cache=True)
    assert len(findings(first, "deprecated-model")) == 1
    assert len(findings(lint(root, "chat.py", cache=True), "deprecated-model")) == 1  # served from the cache
    (root / "config.py").write_text(f'MODEL = "{CURRENT}"\nMAX_TOKENS = 300\n')
    assert findings(lint(root, "chat.py", cache=True), "deprecated-model") == []
    (root / "config.py").write_text(f'MODEL = "{RETIRED}"\nMAX_TOKENS = 300\n')
    assert len(findings(lint(root, "chat.py", cache=True), "deprecated-model")) == 1


# ---------------------------------------------------------------------------------------
# Where the call runs, across modules
# ---------------------------------------------------------------------------------------

CLIENT = """
    import anthropic
    client = anthropic.Anthropic()

    def complete(prompt):
        return client.messages.create(model="claude-sonnet-5-5", max_tokens=2048,
                                      messages=[{"role": "user", "content": prompt}])
    """
SERVICE = """
    from ..llm.client import complete

    def ask(question):
        return complete("Answer the customer: " + question)
    """


def _layered(route: str) -> dict[str, str]:
    return {"app/__init__.py": "", "app/llm/__init__.py": "", "app/services/__init__.py": "",
            "app/llm/client.py": CLIENT, "app/services/chat.py": SERVICE, "app/routes.py": route}


FLASK_ROUTE = """
    from flask import Flask
    from app.services import chat
    app = Flask(__name__)

    @app.post("/chat")
    def answer():
        return chat.ask("where is my parcel?")
    """


def test_a_route_two_modules_away_makes_the_call_a_ui_call(project):
    root = project(_layered(FLASK_ROUTE))
    [finding] = findings(lint(root, "app/llm/client.py"), "non-streaming-ui-call")
    assert finding.path == "app/llm/client.py" and finding.span.line == 6
    assert ("Flask route `answer` in app/routes.py:8 → `ask()` in app/services/chat.py → "
            "`complete()` in app/llm/client.py") in finding.message


def test_a_class_based_view_in_another_module_is_a_handler(project):
    view = """
        from rest_framework.views import APIView
        from app.services.chat import ask

        class ChatView(APIView):
            def post(self, request):
                return ask(request.data["q"])
        """
    [finding] = findings(lint(project(_layered(view)), "app/llm/client.py"), "non-streaming-ui-call")
    assert "Django class-based view `ChatView.post` in app/routes.py:7" in finding.message


@pytest.mark.parametrize(
    "route",
    [
        # a command-line script calling the service is no handler
        'from app.services.chat import ask\nif __name__ == "__main__":\n    print(ask("x"))\n',
        # a route calling a different function with the same name, from a third-party package
        'from flask import Flask\nfrom vendor.chat import ask\napp = Flask(__name__)\n@app.get("/")\ndef index():\n    return ask("x")\n',
        # a route that only imports the service, calling nothing of it
        'from flask import Flask\nfrom app.services import chat\napp = Flask(__name__)\n@app.get("/")\ndef index():\n    return "ok"\n',
    ],
)
def test_callers_that_are_not_handlers_reaching_the_call(project, route):
    root = project(_layered(route))
    result = lint(root, "app/llm/client.py")
    assert findings(result, "non-streaming-ui-call") == []
    assert result.files[0].calls[0]["runs_in"] != RunsIn.UI.value


def test_editing_the_route_changes_the_cached_result_of_the_call(project):
    root = project(_layered(FLASK_ROUTE))
    assert len(findings(lint(root, "app/llm/client.py", cache=True), "non-streaming-ui-call")) == 1
    (root / "app" / "routes.py").write_text(FLASK_ROUTE.replace('@app.post("/chat")', "").replace("    ", ""))
    assert findings(lint(root, "app/llm/client.py", cache=True), "non-streaming-ui-call") == []


def test_settings_objects_and_class_attributes(project):
    root = project({
        "config.py": f"""
            from pydantic_settings import BaseSettings

            class Settings(BaseSettings):
                claude_model: str = "{RETIRED}"
                max_tokens: int = 300

            class Limits:
                MAX_TOKENS = 512

            settings = Settings()
            """,
        "chat.py": """
            import anthropic
            from config import settings, Limits
            from dataclasses import dataclass

            @dataclass
            class Options:
                model: str = "claude-haiku-5-5"

            options = Options(model="claude-opus-5-5")
            client = anthropic.Anthropic()
            client.messages.create(model=settings.claude_model, max_tokens=Limits.MAX_TOKENS, messages=[])
            client.messages.create(model=options.model, max_tokens=settings.max_tokens, messages=[])
            """,
    })
    linter = Linter(Settings(root=root, today=TODAY), use_cache=False)
    finished = linter.finish("chat.py", Kind.PYTHON, (root / "chat.py").read_text(), absolute=root / "chat.py")
    first, second = finished.document.calls
    assert (first.model.value, first.max_tokens.value) == (RETIRED, 512)
    assert first.model.origin.description == (
        "setting `claude_model` of `Settings` (the environment may override it) in config.py:5")
    assert first.max_tokens.origin.description == "class attribute `Limits.MAX_TOKENS` in config.py:9"
    assert (second.model.value, second.max_tokens.value) == ("claude-opus-5-5", 300)
    assert second.model.origin.description == "argument `model=` of `Options(...)`"


SERVICE_CLASS = """
    import anthropic

    class ChatService:
        def __init__(self):
            self.client = anthropic.Anthropic()

        def reply(self, question):
            return self.client.messages.create(model="claude-sonnet-5-5", max_tokens=2048,
                                               messages=[{"role": "user", "content": question}])

    chat_service = ChatService()
    """


@pytest.mark.parametrize(
    ("route", "reached"),
    [
        ("from app.service import ChatService\n@app.post('/')\ndef answer():\n    return ChatService().reply('x')\n", True),
        ("from app.service import ChatService\n@app.post('/')\ndef answer():\n    svc = ChatService()\n"
         "    return svc.reply('x')\n", True),
        ("from app.service import chat_service\n@app.post('/')\ndef answer():\n    return chat_service.reply('x')\n", True),
        # trap: another class's method of the same name
        ("from app.other import OtherService\n@app.post('/')\ndef answer():\n    return OtherService().reply('x')\n", False),
    ],
)
def test_a_method_reached_from_a_route_in_another_module(project, route, reached):
    root = project({
        "app/__init__.py": "",
        "app/service.py": SERVICE_CLASS,
        "app/other.py": "class OtherService:\n    def reply(self, q):\n        return q\n",
        "app/routes.py": "from fastapi import FastAPI\napp = FastAPI()\n" + route,
    })
    found = findings(lint(root, "app/service.py"), "non-streaming-ui-call")
    assert len(found) == int(reached)
    if reached:
        line = 3 + route.splitlines().index(next(x for x in route.splitlines() if ".reply(" in x))
        assert f"FastAPI endpoint `answer` in app/routes.py:{line} → `ChatService.reply()` in app/service.py" in found[0].message


def test_a_fastapi_app_with_its_agent_made_at_startup_and_pydantic_settings(project):
    source = f"""
        from contextlib import asynccontextmanager
        from typing import Optional
        import anthropic
        from fastapi import Depends, FastAPI
        from pydantic import Field
        from pydantic_settings import BaseSettings

        class Settings(BaseSettings):
            default_model: str = Field(default="{RETIRED}")

        settings = Settings()

        class Agent:
            def __init__(self):
                self.client = anthropic.Anthropic()

            def chat(self, message):
                return self.client.messages.create(model=settings.default_model, max_tokens=1024,
                                                   messages=[{{"role": "user", "content": message}}])

        agent: Optional[Agent] = None

        @asynccontextmanager
        async def lifespan(app):
            global agent
            agent = Agent()
            yield

        app = FastAPI(lifespan=lifespan)

        @app.post("/chat")
        async def chat(message: str):
            return agent.chat(message)
        """
    root = project({"api.py": source})
    result = lint(root, "api.py")
    [streaming] = findings(result, "non-streaming-ui-call")
    assert "FastAPI endpoint `chat` in api.py:34 → `Agent.chat()` in api.py" in streaming.message
    [deprecated] = findings(result, "deprecated-model")
    assert deprecated.span.line == 10
    assert deprecated.message.endswith("[setting `default_model` of `Settings` (the environment may override it)]")


def test_a_parameter_annotated_with_the_service_class(project):
    root = project({
        "app/__init__.py": "",
        "app/service.py": SERVICE_CLASS,
        "app/routes.py": """
            from fastapi import Depends, FastAPI
            from app.service import ChatService
            app = FastAPI()

            @app.post("/")
            def answer(service: ChatService = Depends(ChatService)):
                return service.reply("x")
            """,
    })
    [finding] = findings(lint(root, "app/service.py"), "non-streaming-ui-call")
    assert "FastAPI endpoint `answer` in app/routes.py:8" in finding.message


def test_import_lines_are_the_patterns_matches_everywhere():
    """Listing a tree's importers tries the import-line pattern only where a line says
    "import": the matches must be those of trying it at every position."""
    from pathlib import Path

    import advisor
    from advisor.modules import _IMPORT_LINE, _import_lines

    tricky = [b"", b"import", b"import x", b"\nimport\n", b"a import b\nimport c\r\nimport d", b"from (import x\nimport y",
              b"from a import (b,\n c)\nimport d; import e\n  import f # x\nx = 'import'\nfrom . import g\n",
              b"from a import (\n  b as c,\n)  # import z\nimport y", b"s = '''\nimport os\n'''\nimportlib.reload(m)\n"]
    sources = [path.read_bytes() for path in sorted(Path(advisor.__file__).parent.rglob("*.py"))]
    for data in tricky + sources:
        expected = [(match.span(), match.groups()) for match in _IMPORT_LINE.finditer(data)]
        assert [(match.span(), match.groups()) for match in _import_lines(data)] == expected, data[:80]
