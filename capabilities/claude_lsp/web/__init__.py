"""The web for the agent: fetching pages as Markdown (WebFetch) and searching (WebSearch).

Everything here fails with `WebError`, whose message is written for the model.
"""


class WebError(Exception):
    """A URL that cannot be fetched, or a page that cannot be read; the message says why."""
