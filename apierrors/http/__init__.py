"""The HTTP side: the handler's pipeline, the request's language, request ids and log context."""
