"""The model side: Messages API streaming, retries, usage and prices."""
