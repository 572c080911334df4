"""Session transcripts on disk: writing them as they happen, listing and loading them."""
