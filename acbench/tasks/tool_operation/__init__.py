"""Tool-Operation (AgentBoard style): reach a target todo list or spreadsheet through tool calls; see README.md."""
