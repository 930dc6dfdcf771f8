"""Operations services (writes): the system log purge, jobs, table maintenance and backups."""
