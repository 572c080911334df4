"""Facts of the claude/* protocol that the server and its terminal clients share, in a
module the clients can import without pygls."""

PROTOCOL_VERSION = 1
