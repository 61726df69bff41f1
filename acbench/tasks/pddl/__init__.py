"""PDDL planning (AgentBoard style): our blocksworld + gripper suites, any domain files, or AgentBoard's games; see README.md."""
