"""The only place that reads and sets process environment: service locations in, state folders out."""

from __future__ import annotations

import os

from settings.params import LongloopParams
from settings.state_paths import StatePaths


def apply_environment(params: LongloopParams) -> LongloopParams:
    """Take service locations from the usual variables and keep every tool's files in the state folder."""
    params = params.with_services(os.environ.get("MLFLOW_TRACKING_URI"), os.environ.get("PREFECT_API_URL"))
    paths = StatePaths.from_params(params).ensure()
    os.environ.setdefault("PREFECT_HOME", str(paths.prefect_home))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")  # task and flow states are the progress log
    os.environ.setdefault("MPLCONFIGDIR", str(paths.state / "matplotlib"))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HOME", str(paths.state / "huggingface"))
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("DVC_NO_ANALYTICS", "1")
    os.environ.setdefault("DVC_SITE_CACHE_DIR", str(paths.state / "dvc-site"))
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    if params.services.prefect_api_url:
        os.environ["PREFECT_API_URL"] = params.services.prefect_api_url
    os.environ["MLFLOW_TRACKING_URI"] = paths.tracking_uri(params)
    return params


def serving_auth_token(params: LongloopParams) -> str | None:
    """The serving app's bearer token, from the variable ``serving.auth_token_env`` names; refused when that
    variable is unset or blank, so that a server configured for authentication never starts open."""
    from settings.params import ConfigError

    name = params.serving.auth_token_env
    if not name:
        return None
    token = os.environ.get(name, "").strip()
    if not token:
        raise ConfigError(f"serving.auth_token_env: the environment variable {name} is not set or is empty")
    if len(token) < 16:
        raise ConfigError(f"serving.auth_token_env: the token in {name} is shorter than 16 characters")
    return token
