from django.db import models


class ActorKind(models.TextChoices):
    USER = "user", "User"
    JOB = "job", "Job"
    IMPORT = "import", "Import"
    SYNC = "sync", "Sync"
    SYSTEM = "system", "System"


class AuditAction(models.TextChoices):
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    DELETE = "delete", "Delete"


class SessionEndReason(models.TextChoices):
    LOGOUT = "logout", "Logged out"
    REVOKED = "revoked", "Ended by the user"
    ADMIN = "admin", "Ended by an admin"
    IDLE = "idle", "Idle timeout"
    EXPIRED = "expired", "Maximum lifetime reached"


class SettingDataType(models.TextChoices):
    """How a runtime setting's value is typed (seed 001 Configuration `data_type`)."""

    STRING = "string", "Text"
    INTEGER = "integer", "Whole number"
    DECIMAL = "decimal", "Decimal number"
    BOOLEAN = "boolean", "Yes / no"
    JSON = "json", "JSON"
    SECRET = "secret", "Secret (encrypted, write-only)"
