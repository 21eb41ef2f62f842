"""Exceptions mapped from libhotswap's negative HS_E... return codes."""

HS_OK = 0
HS_ENOTFOUND = -1
HS_ETYPE = -2
HS_ETOOSMALL = -3
HS_ENOSEGMENT = -4
HS_EABI = -5
HS_ECORRUPT = -6
HS_EINVAL = -7
HS_EBUSY = -8
HS_ENOMEM = -9
HS_EACCESS = -10
HS_ESYSTEM = -11
HS_ETIMEDOUT = -12
HS_EINTR = -13


class HotswapError(Exception):
    """A libhotswap call failed. `code` is the HS_E... value, `path` the key path involved
    (or None)."""

    def __init__(self, code, message, path=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.path = path

    def __str__(self):
        if self.path is None:
            return self.message
        return f"{self.message}: {self.path!r}"


class NotFound(HotswapError, KeyError):
    """No value at this path in the snapshot (HS_ENOTFOUND). Also a KeyError, so code that
    treats the configuration as a mapping can catch the usual exception."""


class WrongType(HotswapError, TypeError):
    """The value at this path has another type than the one asked for (HS_ETYPE)."""


class NoSegment(HotswapError):
    """No segment for this instance: the daemon never published it, or it was removed
    (HS_ENOSEGMENT)."""


class AbiMismatch(HotswapError):
    """The segment or the library was built for another ABI version (HS_EABI)."""


class Corrupt(HotswapError):
    """The segment fails validation (HS_ECORRUPT)."""


class InvalidArgument(HotswapError, ValueError):
    """A malformed path or instance name, or a closed handle (HS_EINVAL)."""


class Busy(HotswapError):
    """The daemon replaced the snapshot under this read more often than the retry bound
    allows (HS_EBUSY); retrying later normally succeeds."""


class OutOfMemory(HotswapError, MemoryError):
    """libhotswap could not allocate memory (HS_ENOMEM)."""


class PermissionDenied(HotswapError):
    """The segment exists but this process may not read it (HS_EACCESS)."""


class SystemFailure(HotswapError):
    """Another system error (HS_ESYSTEM); `errno` holds the cause when known."""

    def __init__(self, code, message, path=None, errno=0):
        super().__init__(code, message, path)
        self.errno = errno


_CLASSES = {
    HS_ENOTFOUND: NotFound,
    HS_ETYPE: WrongType,
    HS_ENOSEGMENT: NoSegment,
    HS_EABI: AbiMismatch,
    HS_ECORRUPT: Corrupt,
    HS_EINVAL: InvalidArgument,
    HS_EBUSY: Busy,
    HS_ENOMEM: OutOfMemory,
    HS_EACCESS: PermissionDenied,
    HS_ESYSTEM: SystemFailure,
}


def error_for(code, message, path=None, errno=0):
    """The exception for return code `code`, with libhotswap's message for it."""
    cls = _CLASSES.get(code, HotswapError)
    if cls is SystemFailure:
        return SystemFailure(code, message, path, errno)
    return cls(code, message, path)
