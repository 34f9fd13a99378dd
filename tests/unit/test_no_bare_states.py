"""States and kinds are named once, in helpdesk/domain.py: no bare string stands for one.

The check reads the package's source with ``ast``. A name is state-like when it is
``state``, ``status``, ``kind``, ``outcome``, ``verdict`` or ``judgement`` (or ends in
``_state``, ``_status``, ``_kind``). A literal counts when it looks like a stored value,
a lower-case identifier such as ``"pending"``; labels people read ("Met") and the empty
"not chosen" value do not. Flagged, naming file:line:

- a comparison of a state-like name or attribute with such a literal (or a tuple, list
  or set of them), in Python or in a SQLAlchemy filter;
- an assignment of such a literal to a state-like name or attribute;
- a keyword argument ``state=``/``status=``/``kind=`` given such a literal;
- ``.in_(...)``/``.not_in(...)`` on a state-like column with such literals;
- a positional argument given such a literal where the package's own function takes a
  state-like parameter (``record_event(ticket, actor, "note")``).

Templates are read for ``x.state == 'draft'`` and the like: they use the models'
predicates (``o.is_draft``) or ``domain``'s enums instead.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import repo_root

NAMES = frozenset({"state", "status", "kind", "outcome", "verdict", "judgement"})
SUFFIXES = ("_state", "_status", "_kind")
STORED = re.compile(r"[a-z][a-z0-9_]*")
EXCLUDED = ("helpdesk/domain.py",)
TEMPLATE_COMPARISON = re.compile(
    r"\.(?:state|status|kind|outcome|verdict|judgement)\s*"
    r"(?:==|!=|(?:not\s+)?in\b)\s*[(\[]?\s*['\"]"
)


def _state_like(name: str | None) -> bool:
    return name is not None and (name in NAMES or name.endswith(SUFFIXES))


def _named(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute):
        return _state_like(node.attr)
    return isinstance(node, ast.Name) and _state_like(node.id)


def _stored_literal(node: ast.AST | None) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and STORED.fullmatch(node.value) is not None
    if isinstance(node, ast.IfExp):
        return _stored_literal(node.body) or _stored_literal(node.orelse)
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return bool(node.elts) and all(_stored_literal(e) for e in node.elts)
    return False


def _func_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def state_parameters(trees: list[ast.Module]) -> dict[str, set[int]]:
    """Function name -> the positions of its state-like parameters, as callers count.

    A name defined more than once keeps only the positions every definition shares, so
    a call is judged by the parameters it must be meeting.
    """
    found: dict[str, set[int]] = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                params = [a.arg for a in node.args.posonlyargs + node.args.args]
                skip = 1 if params[:1] in (["self"], ["cls"]) else 0
                mine = {i for i, name in enumerate(params[skip:]) if _state_like(name)}
                found[node.name] = found[node.name] & mine if node.name in found else mine
    return {name: positions for name, positions in found.items() if positions}


def bare_states(tree: ast.Module, parameters: dict[str, set[int]]) -> Iterator[int]:
    """The line of every bare state literal in one module."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_named(s) for s in sides) and any(_stored_literal(s) for s in sides):
                yield node.lineno
        elif isinstance(node, ast.Assign):
            if any(_named(t) for t in node.targets) and _stored_literal(node.value):
                yield node.lineno
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            if _named(node.target) and _stored_literal(node.value):
                yield node.lineno
        elif isinstance(node, ast.Call):
            if any(_state_like(k.arg) and _stored_literal(k.value) for k in node.keywords):
                yield node.lineno
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr in ("in_", "not_in", "notin_")
                and _named(func.value)
                and any(_stored_literal(a) for a in node.args)
            ):
                yield node.lineno
            for index in parameters.get(_func_name(node) or "", ()):
                if index < len(node.args) and _stored_literal(node.args[index]):
                    yield node.lineno


def _modules() -> list[tuple[str, ast.Module]]:
    root = repo_root()
    out = []
    for path in sorted((root / "helpdesk").rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel in EXCLUDED or "migrations" in path.parts:
            continue
        out.append((rel, ast.parse(path.read_text(encoding="utf-8"), filename=rel)))
    return out


def _findings(modules: list[tuple[str, ast.Module]]) -> list[str]:
    parameters = state_parameters([tree for _, tree in modules])
    return [
        f"{rel}:{line}"
        for rel, tree in modules
        for line in sorted(set(bare_states(tree, parameters)))
    ]


def test_no_bare_state_literal_outside_domain() -> None:
    found = _findings(_modules())
    assert not found, "Use the StrEnum member from helpdesk/domain.py (or a model predicate):\n" + (
        "\n".join(found)
    )


# The one function allowed to set each aggregate's state; the table guards it.
MOVERS = frozenset(
    {"transition", "move_options", "move_approval", "move_promise", "move_problem"}
    | {"move_problem_approval"}
)
# States with no table (yet): each set in the one place its rule lives.
SET_IN_PLACE = frozenset(
    {
        ("helpdesk/tickets/options.py", "decide_confirmation"),  # pending -> answered, once
        ("helpdesk/evidence/decisions.py", "_stamp"),  # a decision is a new record
        ("helpdesk/refusals.py", "__init__"),  # an HTTP status, not a state
    }
)


def _state_writes(tree: ast.Module) -> Iterator[tuple[str, int]]:
    """(enclosing function, line) of every assignment to a ``.state``/``.status``."""
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(func):
            targets = node.targets if isinstance(node, ast.Assign) else []
            if isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr in ("state", "status"):
                    yield func.name, node.lineno


def test_states_change_only_through_their_move_function() -> None:
    found = sorted(
        {
            f"{rel}:{line} in {name}()"
            for rel, tree in _modules()
            for name, line in _state_writes(tree)
            if name not in MOVERS and (rel, name) not in SET_IN_PLACE
        }
    )
    assert not found, "Move it with the aggregate's move function:\n" + "\n".join(found)


def test_no_template_compares_a_state_with_a_string() -> None:
    root = repo_root()
    found = [
        f"{path.relative_to(root)}:{number}"
        for path in sorted((root / "templates").rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if TEMPLATE_COMPARISON.search(line)
    ]
    assert not found, "Use a model predicate or domain's enum in:\n" + "\n".join(found)


SAMPLES = {
    "compare": "if approval.state == 'pending': pass",
    "membership": "ok = option.state in ('draft', 'offered')",
    "filter": "stmt = select(A).where(A.state != 'void')",
    "in_": "stmt = select(A).where(A.status.in_(['open', 'closed']))",
    "assign": "option.state = 'agreed'",
    "chosen": "record.status = 'accepted' if accept else 'rejected'",
    "annotated": "status: str = 'open'",
    "keyword": "EvidenceCode(code=c, kind='pc')",
    "positional": "record_event(ticket, actor, 'note', body='')",
    "method": "self.move(ticket, 'closed')",
}


def test_the_check_finds_each_form_it_names() -> None:
    defs = ast.parse(
        "def record_event(ticket, actor, kind, *, body=''): pass\n"
        "class T:\n    def move(self, ticket, status): pass\n"
    )
    parameters = state_parameters([defs])
    for form, source in SAMPLES.items():
        assert list(bare_states(ast.parse(source), parameters)), form


def test_the_check_leaves_enums_labels_and_other_names_alone() -> None:
    parameters = state_parameters([ast.parse("def record_event(ticket, actor, kind): pass")])
    for source in (
        "if approval.state == ApprovalState.PENDING: pass",
        "record_event(ticket, actor, TicketEventKind.NOTE)",
        "row = Row(status='Met' if met else 'Not yet')",
        "status: str = ''",
        "if form.decision.data == 'approve': pass",
        "response = redraw(status=422)",
    ):
        assert not list(bare_states(ast.parse(source), parameters)), source


def test_templates_check_finds_a_string_comparison() -> None:
    assert TEMPLATE_COMPARISON.search("{% if o.state == 'draft' %}")
    assert TEMPLATE_COMPARISON.search('{% if t.status in ("new", "acknowledged") %}')
    assert not TEMPLATE_COMPARISON.search("{% if o.is_draft %}")
    assert not TEMPLATE_COMPARISON.search("{% if e.kind == domain.TicketEventKind.NOTE %}")


def test_the_walk_covers_the_package() -> None:
    names = {rel for rel, _ in _modules()}
    assert "helpdesk/tickets/options.py" in names
    assert "helpdesk/domain.py" not in names
    assert all(not Path(rel).is_absolute() for rel in names)
