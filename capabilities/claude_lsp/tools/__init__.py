"""The tools the agent offers the model: files, search, shell and more."""
