class UpstreamError(Exception):
    pass


class UpstreamTimeout(UpstreamError):
    """Mapped to gateway_timeout in the test settings' EXCEPTION_CODES."""


class UpstreamSlowTimeout(UpstreamTimeout):
    """A subclass: the nearest mapped class in the MRO answers."""
