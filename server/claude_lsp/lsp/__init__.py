"""The Language Server: pygls features and the claude/* protocol."""
