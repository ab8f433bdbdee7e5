"""SS12000 on the bench: Swedish schools, and no seed library to compare with.

There is NO CPU comparison for SS12000. The seed client,
Delph1/python-ss12000client, cannot be installed: the `ss12000-client`
packages on PyPI (0.1.0, 0.2.0) ship metadata and no module, and its GitHub
repository is not reachable from here. So this module names no library and
no library reads; the bench still counts our requests (per pupil and
refresh, the month view, token requests) against the sandbox's SS12000
emulator like any portal's.
"""

from __future__ import annotations

from . import PortalBench

BENCH = PortalBench(
    "ss12000",
    time_zone="Europe/Stockholm",
    no_library=(
        "no CPU comparison: the seed client Delph1/python-ss12000client cannot be "
        "installed (PyPI's ss12000-client ships no module; GitHub unreachable here)"
    ),
)
