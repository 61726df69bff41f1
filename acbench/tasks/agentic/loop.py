"""The multi-turn agent loop (AgentBoard style), batched across episodes.

    records = run_episodes(engine, samples, make_env, make_paper, store, "pddl", max_steps=30, max_new_tokens=128)

The first user message holds the instruction, the examples, the goal and the first observation;
then each turn is an assistant message `Action: ...` and a user message `Observation: ...`. The model
writes one action per turn: the first line after `Action:` (or its first non-empty line when it
forgets the prefix). `check valid actions` answers with the environment's valid actions. When the
prompt would not fit the context, the oldest turns are dropped first.

An environment with a `layout` (AgentBoard's subsets: agentboard.py) builds the messages itself (a system
message and one user message rebuilt each step), reads the action with `extract_action`, and, with
`answers_check`, answers `check valid actions` itself.

At each step the pending requests of all live episodes go to the engine in ONE `generate` call, so a
suite is not run one episode at a time. Each finished episode is written to the store at once, so an
interrupted run resumes by skipping finished episodes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from acbench.engines.base import Engine, GenerationRequest
from acbench.progress import progress_bar
from acbench.tasks.agentic.env import Environment
from acbench.tasks.agentic.paper import PaperScorer
from acbench.tasks.base import ResultStore, Sample

STOP = ("\nObservation", "Observation:")
MESSAGE_OVERHEAD = 8  # tokens a chat template adds around each message (role markers, newlines)
OMITTED = "\n(Earlier turns were omitted to fit the context.)"
_CHECK = re.compile(r"^\W*check[\s_-]*valid[\s_-]*actions?\W*$", re.IGNORECASE)


def extract_action(output: str) -> str | None:
    """The first line after `Action:` (case-insensitive), or the first non-empty line; None if empty."""
    match = re.search(r"action\s*:", output, re.IGNORECASE)
    text = output[match.end():] if match else output
    for line in text.splitlines():
        line = line.strip().strip("`*").strip()
        if line:
            return line
    return None


def first_message(env: Environment, observation: str) -> str:
    return (
        f"{env.instruction}\n\n{env.examples}\n\nNow it is your turn. {env.goal}\n"
        f"Observation: {observation}\nReply with one line: Action: <your action>"
    )


@dataclass
class Track:
    """One scoring mode's view of an episode; it stops counting once that mode's episode is over."""

    steps: int = 0
    valid: int = 0
    progress: float = 0.0  # strict: the best progress so far; paper: AgentBoard's r
    success: bool = False
    done: bool = False


@dataclass
class Episode:
    """One running episode: its environment, its paper scorer, chat history and trajectory.

    The environment answers the model and gives acbench's (`_strict`) metrics; `paper` watches the same
    outputs with AgentBoard's rules. The episode runs until both are over (or `max_steps`): upstream
    ends a tool episode only at `finish`, acbench already when the goal state holds.
    """

    sample: Sample
    env: Environment
    max_steps: int
    paper: PaperScorer
    messages: list[dict] = field(default_factory=list)
    trajectory: list[dict] = field(default_factory=list)
    strict: Track = field(default_factory=Track)
    scored: Track = field(default_factory=Track)  # the paper track
    parse_errors: int = 0
    first_parse_error: str | None = None

    def __post_init__(self):
        observation = self.env.reset()
        # an environment with a `layout` (AgentBoard's VanillaAgent prompt) builds the messages itself
        self.layout = getattr(self.env, "layout", None)
        if self.layout is not None:
            self.layout.reset(self.env.goal, observation)
            self.messages = self.layout.messages()
        else:
            self.messages = [{"role": "user", "content": first_message(self.env, observation)}]
        self.strict.progress = self.env.progress  # acbench counts goals already true at reset
        self.strict.done, self.strict.success = bool(self.env.done), bool(self.env.success)

    @property
    def finished(self) -> bool:
        return (self.strict.done and self.scored.done) or len(self.trajectory) >= self.max_steps

    def act(self, output: str) -> None:
        """Apply one model output: extract the action, step the environment, extend the history."""
        action = getattr(self.env, "extract_action", extract_action)(output)
        parse_error = None
        if action is None:
            observation, valid = "Invalid action: no action found. Reply with `Action: <action>`.", False
            parse_error = "no action in the output"
        elif _CHECK.match(action) and not getattr(self.env, "answers_check", False):
            observation, valid = "Valid actions: " + ", ".join(self.env.valid_actions()), True
        else:
            observation, valid = self.env.step(action)
            parse_error = None if valid else self.env.last_parse_error
        step = {"action": action or "", "output": output, "observation": observation}
        strict, paper = self.strict, self.scored
        if strict.done:
            step.update(valid_strict=None, progress_strict=None)
        else:
            if parse_error:
                self.parse_errors += 1
                self.first_parse_error = self.first_parse_error or parse_error
            strict.steps += 1
            strict.valid += valid
            strict.progress = max(strict.progress, self.env.progress)
            strict.done, strict.success = bool(self.env.done), bool(self.env.success)
            step.update(valid_strict=valid, progress_strict=self.env.progress)
        if paper.done:
            step.update(valid=None, progress=None, paper_observation=None)
        else:
            grounded, paper_observation = self.paper.step(output, action)
            paper.steps += 1
            paper.valid += grounded
            paper.progress, paper.done, paper.success = self.paper.progress, self.paper.done, self.paper.success
            step.update(valid=grounded, progress=paper.progress, paper_observation=paper_observation)
        self.trajectory.append(step)
        if self.layout is not None:
            self.layout.update(action or "", observation)
            return
        self.messages.append({"role": "assistant", "content": f"Action: {action or output.strip()}"})
        self.messages.append({"role": "user", "content": f"Observation: {observation}"})

    def request(self, engine: Engine, max_new_tokens: int) -> GenerationRequest:
        if self.layout is not None:
            messages = self.layout.fit(engine, engine.max_context - max_new_tokens)
            return GenerationRequest(messages=tuple(messages), max_new_tokens=max_new_tokens, stop=STOP)
        messages = fit_context(self.messages, engine, engine.max_context - max_new_tokens)
        return GenerationRequest(messages=tuple(messages), max_new_tokens=max_new_tokens, stop=STOP)

    def record(self, env_name: str) -> dict:
        """The episode's record: paper metrics under their names, acbench's as `<metric>_strict`."""
        strict, paper = self.strict, self.scored
        return {
            "id": self.sample.id,
            "env": env_name,
            "difficulty": self.sample.data.get("difficulty"),
            "group": self.sample.data.get("group"),
            "prompt": self.messages[1 if self.layout is not None else 0]["content"],  # the first user message
            "prediction": "\n".join(t["action"] for t in self.trajectory),
            "trajectory": self.trajectory,
            "progress_rate": paper.progress,
            "progress_rate_strict": 1.0 if strict.success else strict.progress,
            "success": paper.success,
            "success_strict": strict.success,
            # upstream divides by the index of the last step + 1; it always takes at least one step
            "grounding_acc": paper.valid / paper.steps if paper.steps else 0.0,
            "grounding_acc_strict": strict.valid / strict.steps if strict.steps else 1.0,
            "steps": paper.steps,
            "steps_strict": strict.steps,
            "paper_reason": None if paper.steps else "no_steps",
            "parse_errors": self.parse_errors,
            "parse_error": self.first_parse_error,
            **({"system": self.messages[0]["content"]} if self.layout is not None else {}),
        }


def prompt_tokens(messages: list[dict], engine: Engine) -> int:
    """Tokens of the prompt as the model receives it: the engine's rendering of its chat template when it can
    count that (a template may add turns of its own, e.g. SmolLM2's default system turn), else an estimate."""
    count_chat = getattr(engine, "count_chat_tokens", None)
    if count_chat is not None:
        return count_chat(messages)
    return sum(engine.count_tokens(m["content"]) + MESSAGE_OVERHEAD for m in messages)


def fit_context(messages: list[dict], engine: Engine, budget: int) -> list[dict]:
    """Drop the oldest (action, observation) turns until the prompt fits `budget` tokens.

    The first message (instruction, examples, goal) is always kept; if it alone is too long its
    middle (the examples) is cut. The latest turn is always kept.
    """
    head, turns = dict(messages[0]), list(messages[1:])
    noted = {**head, "content": head["content"] + OMITTED}  # the note counts once turns are dropped
    while len(turns) > 2 and prompt_tokens([noted if len(turns) < len(messages) - 1 else head, *turns],
                                           engine) > budget:
        turns = turns[2:]
    if len(turns) < len(messages) - 1:
        head = noted
    over = prompt_tokens([head, *turns], engine) - budget
    if over > 0:
        keep = max(engine.count_tokens(head["content"]) - over, 16)
        head["content"] = engine.truncate_middle(head["content"], keep)
    return [head, *turns]


def run_episodes(
    engine: Engine,
    samples: list[Sample],
    make_env: Callable[[Sample], Environment],
    make_paper: Callable[[Sample, Environment], PaperScorer],
    store: ResultStore,
    env_name: str,
    max_steps: int = 30,
    max_new_tokens: int = 128,
    batch_size: int | None = None,
) -> list[dict]:
    """Run every sample's episode not already in `store`; returns the records of all samples.

    Args:
        make_env: builds a fresh environment for a sample (called only for episodes that run).
        make_paper: the paper scorer of a sample's episode, given its environment.
        batch_size: at most this many episodes run side by side (None: all of them).
    """
    todo = [s for s in samples if s.id not in store]
    width = batch_size or max(len(todo), 1)
    waiting = list(todo)
    live: list[Episode] = []
    with progress_bar(total=len(samples), desc=env_name, initial=len(samples) - len(todo)) as bar:
        while waiting or live:
            while waiting and len(live) < width:
                sample = waiting.pop(0)
                env = make_env(sample)
                episode = Episode(sample, env, max_steps, make_paper(sample, env))
                if episode.finished:  # max_steps == 0
                    store.add(episode.record(env_name))
                    close_env(env)
                    bar.update(1)
                else:
                    live.append(episode)
            if not live:
                continue
            outputs = engine.generate([ep.request(engine, max_new_tokens) for ep in live], progress=False)
            still = []
            for episode, output in zip(live, outputs):
                episode.act(output)
                if episode.finished:
                    store.add(episode.record(env_name))
                    close_env(episode.env)
                    bar.update(1)
                else:
                    still.append(episode)
            live = still
    return store.records_for(samples)


def close_env(env: Environment) -> None:
    """Free an environment's simulator as soon as its episode ends (ScienceWorld's is a Java process each);
    environments without outside resources have no `close`."""
    close = getattr(env, "close", None)
    if close is not None:
        close()


def replay(sample: Sample, env: Environment, paper: PaperScorer, actions: list[str], env_name: str,
           max_steps: int) -> dict:
    """Score a fixed action sequence (one action per item) without a model: an open-loop plan.

    Each action is given as the output `Action: <action>`, so both rule sets read it.
    """
    episode = Episode(sample, env, max_steps, paper)
    for action in actions:
        if episode.finished:
            break
        episode.act(f"Action: {action}")
    return episode.record(env_name)
