"""Test-only start-up hook for the poison-task reliability test; never on the path of a real deployment.

Python imports `sitecustomize` at start-up when this folder is on PYTHONPATH. With LM_TEST_CRASH_SKU set, a
process that sends an HTTP request mentioning that SKU kills itself with SIGKILL before the request leaves, the
way a segfault in a C extension or the kernel's OOM killer ends a worker: no exception, no cleanup, no answer.
"""

import os

CRASH_SKU = os.environ.get("LM_TEST_CRASH_SKU", "")

if CRASH_SKU:
    import signal

    import requests

    _send = requests.Session.request

    def _request(self, method, url, *args, **kwargs):
        mentioned = repr((url, kwargs.get("params"), kwargs.get("data"), kwargs.get("json")))
        if CRASH_SKU in mentioned:
            os.kill(os.getpid(), signal.SIGKILL)
        return _send(self, method, url, *args, **kwargs)

    requests.Session.request = _request
