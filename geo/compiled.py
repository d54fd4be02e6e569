"""Compiling with numba: one decorator for every compiled kernel (the exact search, the footprint repair, the
incremental metrics), a leaf of the tree so any package can compile without importing another.

The on-disk cache is used when some cache folder is writable (numba then loads a kernel in well under a second
instead of compiling it again); on a read-only install with no home folder each process compiles anew.
"""

from __future__ import annotations

from numba import njit as _njit


def njit(function):
    """``numba.njit`` with the on-disk cache when some cache folder is writable, else without it.

    Examples
    --------
    >>> @njit
    ... def twice(x):
    ...     return 2 * x
    >>> twice(21)
    42
    """
    try:
        return _njit(cache=True, nogil=True)(function)
    except RuntimeError:  # "cannot cache function ...: no locator available" (read-only install, no home)
        return _njit(nogil=True)(function)
