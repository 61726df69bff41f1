"""AgentBoard's Jericho games (the "Game" category) and an offline TextWorld stand-in; see README.md."""
