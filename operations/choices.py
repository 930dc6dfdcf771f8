from django.db import models


class LogLevel(models.IntegerChoices):
    """The standard `logging` levels, stored as their numbers so `level >= WARNING` is one index range."""

    DEBUG = 10, "Debug"
    INFO = 20, "Info"
    WARNING = 30, "Warning"
    ERROR = 40, "Error"
    CRITICAL = 50, "Critical"
