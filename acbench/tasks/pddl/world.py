"""STRIPS semantics for a PDDL domain + problem: ground atoms, applicable actions, successor states.

The files are read with the PyPI `pddl` parser; this module compiles what it returns into plain
tuples so that simulation is fast and easy to test:

    world = PDDLWorld.from_files("domain.pddl", "problem.pddl")
    state = world.init
    ok, why = world.check(state, "stack", ("b1", "b2"))
    state = world.apply(state, "stack", ("b1", "b2"))
    world.goal_fraction(state)          # fraction of goal literals true

Supported: typed or untyped parameters (with type hierarchies and domain constants), positive and
negative preconditions, equality `(= ?x ?y)` and its negation, add and delete effects. Anything else
(disjunctions, quantifiers, conditional effects, numeric fluents) is rejected with a clear error.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import product
from pathlib import Path

from pddl import parse_problem
from pddl.parser.domain import DomainParser
from pddl.logic.base import And, Not
from pddl.logic.predicates import EqualTo, Predicate
from pddl.logic.terms import Variable

from acbench.errors import ACBenchError
from acbench.tasks.pddl.text import lenient_domain

Atom = tuple[str, ...]  # (predicate, arg1, arg2, ...); arguments are object names or "?var"
State = frozenset  # frozenset[Atom] of ground atoms that are true (closed world)


class UnsupportedPDDLError(ACBenchError):
    """A PDDL construct outside the STRIPS subset this simulator implements."""


@dataclass(frozen=True)
class Schema:
    """One action schema: parameters with types, literal preconditions, add/delete effects."""

    name: str
    params: tuple[str, ...]  # "?ob", ...
    types: tuple[frozenset[str], ...]  # allowed type names per parameter (empty = any object)
    pre_pos: tuple[Atom, ...]
    pre_neg: tuple[Atom, ...]
    eq: tuple[tuple[str, str], ...]  # terms that must be equal
    neq: tuple[tuple[str, str], ...]  # terms that must differ
    add: tuple[Atom, ...]
    delete: tuple[Atom, ...]
    text: str  # the schema as PDDL text, shown to the model


def _term(t) -> str:
    # plain str: the parser's name type has a slow custom __eq__
    return f"?{t.name}" if isinstance(t, Variable) else str(t.name)


def _atom(p: Predicate) -> Atom:
    return (str(p.name), *(_term(t) for t in p.terms))


def _literals(formula, where: str) -> tuple[list[Atom], list[Atom], list, list]:
    """Split a conjunction of literals into (positive, negative, equal, not-equal)."""
    pos, neg, eq, neq = [], [], [], []
    parts = formula.operands if isinstance(formula, And) else ([] if formula is None else [formula])
    for part in parts:
        if isinstance(part, EqualTo):
            eq.append((_term(part.left), _term(part.right)))
        elif isinstance(part, Predicate):
            pos.append(_atom(part))
        elif isinstance(part, Not) and isinstance(part.argument, EqualTo):
            neq.append((_term(part.argument.left), _term(part.argument.right)))
        elif isinstance(part, Not) and isinstance(part.argument, Predicate):
            neg.append(_atom(part.argument))
        elif isinstance(part, And):
            sub = _literals(part, where)
            for acc, extra in zip((pos, neg, eq, neq), sub):
                acc.extend(extra)
        else:
            raise UnsupportedPDDLError(
                f"{where}: '{part}' is not a STRIPS literal (only and/not/= of atoms are supported)"
            )
    return pos, neg, eq, neq


@lru_cache(maxsize=32)
def _parse_domain(path: str, mtime_ns: int):
    """The parsed domain and the layout fixes it needed (pddl_text.py: section order, an undeclared :typing).

    Cached (a suite parses the same domain once per problem); mtime keys edits.
    """
    text = Path(path).read_text()
    try:
        return DomainParser()(text), ()
    except Exception as strict_error:  # noqa: BLE001 - lark's and pddl's errors; retried leniently, else re-raised
        try:
            fixed, changes = lenient_domain(text)
            return DomainParser()(fixed), tuple(changes)
        except Exception:  # noqa: BLE001 - the strict parser's message names the real problem
            raise strict_error from None


def _first_line(exc: Exception) -> str:
    """An exception's message cut to its first lines (lark appends its whole parser state)."""
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return " ".join(lines[:2]) if lines else type(exc).__name__


def _bind(atom: Atom, binding: dict[str, str]) -> Atom:
    return (atom[0], *(binding.get(a, a) for a in atom[1:]))


def atom_text(atom: Atom) -> str:
    return "(" + " ".join(atom) + ")"


class PDDLWorld:
    """A compiled domain + problem: objects with types, initial state, goal, action schemas."""

    def __init__(self, domain, problem, domain_text: str = ""):
        self.layout_fixes: tuple[str, ...] = ()  # how the domain file was re-read (pddl_text.py); () if as written
        self.domain_name = str(domain.name)
        self.problem_name = str(problem.name)
        parents = {str(name): parent and str(parent) for name, parent in (domain.types or {}).items()}
        objects = list(domain.constants) + list(problem.objects)
        # each object's types including all ancestors, so a `heavy - ball` object fits `?b - ball`
        self.objects: dict[str, frozenset[str]] = {}
        for obj in objects:
            kinds = set()
            for tag in map(str, obj.type_tags):
                while tag and tag not in kinds:
                    kinds.add(tag)
                    tag = parents.get(tag)
            self.objects[str(obj.name)] = frozenset(str(k) for k in kinds | {"object"})
        self.predicates = {str(p.name): len(p.terms) for p in domain.predicates}
        self.schemas: dict[str, Schema] = {}
        for action in sorted(domain.actions, key=lambda a: a.name):  # the parser gives a set: fix the order
            where = f"action {action.name}"
            pos, neg, eq, neq = _literals(action.precondition, where + " precondition")
            add, delete, e_eq, e_neq = _literals(action.effect, where + " effect")
            if e_eq or e_neq:
                raise UnsupportedPDDLError(f"{where} effect: equality is not an effect")
            self.schemas[str(action.name)] = Schema(
                name=str(action.name),
                params=tuple(f"?{v.name}" for v in action.parameters),
                types=tuple(frozenset(str(t) for t in v.type_tags) for v in action.parameters),
                pre_pos=tuple(pos), pre_neg=tuple(neg), eq=tuple(eq), neq=tuple(neq),
                add=tuple(add), delete=tuple(delete), text=str(action),
            )
        init = []
        for fact in problem.init:
            if not isinstance(fact, Predicate):
                raise UnsupportedPDDLError(f"problem init: '{fact}' is not a ground atom")
            init.append(_atom(fact))
        self.init: State = frozenset(init)
        pos, neg, eq, neq = _literals(problem.goal, "problem goal")
        if eq or neq:
            raise UnsupportedPDDLError("problem goal: equality literals are not supported")
        self.goal_pos, self.goal_neg = tuple(pos), tuple(neg)
        self.domain_text = domain_text

    @classmethod
    def from_files(cls, domain_path: str | Path, problem_path: str | Path) -> "PDDLWorld":
        """Parse and compile; UnsupportedPDDLError names the file and the construct it cannot read."""
        try:
            domain, fixes = _parse_domain(str(domain_path), Path(domain_path).stat().st_mtime_ns)
        except Exception as exc:  # the parser raises lark/its own errors; name the file
            raise UnsupportedPDDLError(f"cannot read the PDDL domain {domain_path} "
                                       f"(for problem {Path(problem_path).name}): {_first_line(exc)}") from exc
        try:
            problem = parse_problem(str(problem_path))
        except Exception as exc:
            raise UnsupportedPDDLError(f"cannot read the PDDL problem {problem_path}: {_first_line(exc)}") from exc
        try:
            world = cls(domain, problem, Path(domain_path).read_text())
        except UnsupportedPDDLError as exc:
            raise UnsupportedPDDLError(f"{problem_path} (domain {domain_path}): {exc}") from exc
        world.layout_fixes = fixes
        return world

    # --- goals -------------------------------------------------------------------------------
    def goal_literals(self) -> list[str]:
        return [atom_text(a) for a in self.goal_pos] + [f"(not {atom_text(a)})" for a in self.goal_neg]

    def goal_fraction(self, state: State) -> float:
        total = len(self.goal_pos) + len(self.goal_neg)
        if total == 0:
            return 1.0
        hits = sum(a in state for a in self.goal_pos) + sum(a not in state for a in self.goal_neg)
        return hits / total

    # --- actions -----------------------------------------------------------------------------
    def check(self, state: State, name: str, args: tuple[str, ...]) -> tuple[bool, str]:
        """Whether the ground action is applicable; the reason (one failed condition) if not."""
        schema = self.schemas.get(name)
        if schema is None:
            return False, f"unknown action '{name}'"
        if len(args) != len(schema.params):
            want = " ".join(schema.params) or "no arguments"
            return False, f"{name} takes {len(schema.params)} argument(s) ({want}), got {len(args)}"
        for arg, param, kinds in zip(args, schema.params, schema.types):
            if arg not in self.objects:
                return False, f"unknown object '{arg}'"
            if kinds and not (kinds & self.objects[arg]):
                return False, f"{arg} is not of type {'/'.join(sorted(kinds))} (parameter {param})"
        binding = dict(zip(schema.params, args))
        for left, right in schema.eq:
            if binding.get(left, left) != binding.get(right, right):
                return False, f"precondition (= {left} {right}) is false"
        for left, right in schema.neq:
            if binding.get(left, left) == binding.get(right, right):
                return False, f"precondition (not (= {left} {right})) is false"
        for atom in schema.pre_pos:
            ground = _bind(atom, binding)
            if ground not in state:
                return False, f"precondition {atom_text(ground)} is false"
        for atom in schema.pre_neg:
            ground = _bind(atom, binding)
            if ground in state:
                return False, f"precondition (not {atom_text(ground)}) is false"
        return True, ""

    def apply(self, state: State, name: str, args: tuple[str, ...]) -> State:
        """The successor state (delete effects first, then add effects, as in STRIPS)."""
        schema = self.schemas[name]
        binding = dict(zip(schema.params, args))
        deleted = {_bind(a, binding) for a in schema.delete}
        added = {_bind(a, binding) for a in schema.add}
        return frozenset((state - deleted) | added)

    def applicable(self, state: State) -> list[tuple[str, tuple[str, ...]]]:
        """All applicable ground actions, found by matching positive preconditions to true atoms."""
        by_pred: dict[str, list[Atom]] = {}
        for atom in state:
            by_pred.setdefault(atom[0], []).append(atom)
        found = []
        for schema in self.schemas.values():
            # match the rarest predicates first (e.g. the one robot position) to prune early
            todo = sorted(schema.pre_pos, key=lambda a: len(by_pred.get(a[0], ())))
            for binding in self._bindings(schema, todo, {}, by_pred):
                free = [p for p in schema.params if p not in binding]
                choices = [self._candidates(schema, p) for p in free]
                for values in product(*choices):
                    full = {**binding, **dict(zip(free, values))}
                    args = tuple(full[p] for p in schema.params)
                    if self.check(state, schema.name, args)[0]:
                        found.append((schema.name, args))
        return sorted(set(found))

    def _candidates(self, schema: Schema, param: str) -> list[str]:
        kinds = schema.types[schema.params.index(param)]
        return sorted(o for o, ts in self.objects.items() if not kinds or kinds & ts)

    def _bindings(self, schema: Schema, todo: list[Atom], binding: dict, by_pred: dict):
        if not todo:
            yield binding
            return
        atom, rest = todo[0], todo[1:]
        for fact in by_pred.get(atom[0], ()):
            if len(fact) != len(atom):
                continue
            new = dict(binding)
            for term, value in zip(atom[1:], fact[1:]):
                if term.startswith("?"):
                    if new.setdefault(term, value) != value:
                        break
                elif term != value:
                    break
            else:
                yield from self._bindings(schema, rest, new, by_pred)

    def shortest_plan(self, max_states: int = 50_000, max_depth: int | None = None) -> list[str] | None:
        """Breadth-first search for an optimal plan.

        Returns None if none is found within `max_states` visited states or `max_depth` steps.
        """
        start = self.init
        if self.goal_fraction(start) == 1.0:
            return []
        parent: dict[State, tuple[State, str] | None] = {start: None}
        frontier, depth = [start], 0
        while frontier and len(parent) < max_states and (max_depth is None or depth < max_depth):
            depth += 1
            nxt = []
            for state in frontier:
                for name, args in self.applicable(state):
                    child = self.apply(state, name, args)
                    if child in parent:
                        continue
                    parent[child] = (state, "(" + " ".join((name, *args)) + ")")
                    if self.goal_fraction(child) == 1.0:
                        plan = []
                        node = child
                        while parent[node] is not None:
                            node, step = parent[node]
                            plan.append(step)
                        return plan[::-1]
                    nxt.append(child)
            frontier = nxt
        return None
