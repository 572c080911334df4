"""The agent: sessions, the turn loop and the events it streams."""
