"""The configuration every process reads (config/settings.py lists the variables)."""

from config.settings import ApiSettings, Settings, WorkerSettings

__all__ = ["ApiSettings", "Settings", "WorkerSettings"]
