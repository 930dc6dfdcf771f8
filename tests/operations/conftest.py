import pytest

from operations.systemlog import system_log_flush, system_log_handlers, system_log_stop


@pytest.fixture
def system_log(settings):
    """The database log handler switched on for one (transactional) test; flushed and stopped afterwards, so
    its thread's connection is closed before the test database is flushed or dropped."""
    assert system_log_handlers(), "LOGGING has no database handler"
    settings.SYSTEM_LOG_ENABLED = True
    yield system_log_flush
    system_log_flush()
    settings.SYSTEM_LOG_ENABLED = False
    system_log_stop()
