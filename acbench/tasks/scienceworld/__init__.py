"""ScienceWorld (AgentBoard's science environment) through acbench's batched agent loop; see README.md."""
