import pytest

from tests.syncing.engine.test_reliability import (  # noqa: F401 - migrated_template is a fixture
    REDIS_FIRST_DB,
    REDIS_SERVER,
    Scenario,
    migrated_template,
    redis_database_use,
)


@pytest.fixture(params=["orm", "redis"])
def one_worker(request, tmp_path, migrated_template, worker_id):  # noqa: F811 - the imported fixture
    """A real `manage.py worker` cluster of one worker (not started) on a migrated SQLite copy or PostgreSQL
    database, with the ORM broker and then with Redis; add to `.env` before `.start()`."""
    scenario = Scenario(tmp_path, migrated_template, sandbox=None)
    scenario.env.update({"Q_WORKERS": "1", "Q_TIMEOUT": "30"})
    url = ""
    if request.param == "redis":
        index = int(worker_id[2:]) if worker_id.startswith("gw") else 0
        url = f"{REDIS_SERVER}/{REDIS_FIRST_DB + index}"
        redis_database_use(scenario.env, url)
    yield scenario
    scenario.stop()
    scenario.drop()
    if url:
        import redis

        redis.from_url(url).flushdb()
