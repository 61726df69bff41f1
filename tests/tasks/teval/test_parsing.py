"""The JSON parsing chain and the string-template parser of T-Eval answers."""

from acbench.tasks.teval.parsing import parse_json, parse_template_string

TEMPLATE = {"thought_start": "Thought: ", "thought_end": "\n", "action_start": "Action: ", "action_end": "\n",
            "args_start": "Action Input: ", "args_end": ""}


def test_json_chain_fence_slice_and_fallbacks():
    assert parse_json('```json\n{"a": 1}\n```') == ({"a": 1}, None)
    assert parse_json('Sure! {"a": [1, 2]} hope this helps', "{", "}") == ({"a": [1, 2]}, None)
    assert parse_json("{'a': 'x'}") == ({"a": "x"}, None)  # Python literal
    assert parse_json('{"ok": true, "v": null}') == ({"ok": True, "v": None}, None)  # json.loads
    # neither a Python literal nor JSON until single quotes become double quotes
    assert parse_json("{'ok': true}") == ({"ok": True}, None)
    assert parse_json('x [{"id": 0}] y', "[", "]") == ([{"id": 0}], None)


def test_json_chain_failures_have_reasons():
    value, error = parse_json("no json here", "{", "}")
    assert value is None and "'{'" in error
    value, error = parse_json('{"a": 1', "{", "}")
    assert value is None and "'}'" in error
    value, error = parse_json('{"a": }')
    assert value is None and error == "not valid JSON or Python literal"


def test_template_string_parse():
    out, error = parse_template_string(TEMPLATE, "Thought: need it\nAction: A.b \nAction Input: {'k': 1}")
    assert error is None and out == {"thought": "need it", "action": "A.b", "args": {"k": 1}}
    # args that are not a dict literal: still well-formatted, args become {}
    out, error = parse_template_string(TEMPLATE, "Thought: t\nAction: A.b\nAction Input: k=1")
    assert error is None and out["args"] == {}
    out, error = parse_template_string(TEMPLATE, "I would call A.b")
    assert out is None and "markers" in error


def test_template_markers_are_literal():
    template = {"thought_start": "[T]", "thought_end": "[/T]", "action_start": "(A)", "action_end": "(/A)",
                "args_start": "{{", "args_end": "}}"}
    out, error = parse_template_string(template, "[T]x[/T](A)Tool.run(/A){{{'q': 'v'}}}")
    assert error is None and out["action"] == "Tool.run" and out["args"] == {"q": "v"}
