"""DRF's settings import our throttle classes (common.api.throttling) while `rest_framework.views` is loading; a
module-level import of DRF's views or decorators in `common.api` then fails at start-up when a process imports
DRF's views first (the live server of the browser tests did). Each case runs in a fresh interpreter."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("first", ["rest_framework.views", "rest_framework.decorators", "config.urls"])
def test_the_api_imports_whatever_is_imported_first(first):
    code = f"import django; django.setup(); import {first}; import config.urls; print('ok')"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("ok")
