"""Tool-Query (AgentBoard style): questions over an offline academic graph, answered through tool calls; see README.md."""
