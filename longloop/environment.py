"""The only place that reads and sets process environment: service locations in, state folders out."""

from __future__ import annotations

import os
from pathlib import Path

from longloop.settings.params import LongloopParams
from longloop.settings.state_paths import StatePaths


def protect_secrets() -> None:
    """Redact every log record from now on, including the values of variables named like secrets."""
    from longloop.governance.log_redaction import install_log_redaction
    from longloop.governance.redaction import register_secret, secret_values_in_environment

    install_log_redaction()
    for value in secret_values_in_environment(os.environ):
        register_secret(value)


def _credentials_out_of_url(url: str | None, user_variable: str, password_variable: str | None) -> str | None:
    """``url`` without ``user:password@``, the credentials moved to the variables the client reads instead, so
    that the URL can travel (flow parameters, command lines, run records, logs) without them."""
    from longloop.governance.redaction import register_secret, split_url_credentials

    if not url:
        return url
    clean, user, password = split_url_credentials(url)
    if user is None and password is None:
        return url
    register_secret(password)
    if password_variable is None:  # one "user:password" string (Prefect's basic auth)
        os.environ[user_variable] = f"{user or ''}:{password or ''}"
    else:
        os.environ[user_variable] = user or ""
        os.environ[password_variable] = password or ""
    return clean


def apply_environment(params: LongloopParams) -> LongloopParams:
    """Take service locations from the usual variables and keep every tool's files in the state folder."""
    protect_secrets()
    mlflow_uri = _credentials_out_of_url(
        os.environ.get("MLFLOW_TRACKING_URI") or params.services.mlflow_tracking_uri,
        "MLFLOW_TRACKING_USERNAME",
        "MLFLOW_TRACKING_PASSWORD",
    )
    prefect_url = _credentials_out_of_url(
        os.environ.get("PREFECT_API_URL") or params.services.prefect_api_url, "PREFECT_API_AUTH_STRING", None
    )
    params = params.with_services(mlflow_uri, prefect_url)
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
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")  # MLflow ignores DO_NOT_TRACK=1
    # Prefect's default result serializer is pickle; should anyone turn result persistence on, results stay JSON.
    os.environ.setdefault("PREFECT_RESULTS_DEFAULT_SERIALIZER", "json")
    os.environ.setdefault("DVC_NO_ANALYTICS", "1")
    os.environ.setdefault("DVC_SITE_CACHE_DIR", str(paths.state / "dvc-site"))
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    if params.services.prefect_api_url:
        os.environ["PREFECT_API_URL"] = params.services.prefect_api_url
    os.environ["MLFLOW_TRACKING_URI"] = paths.tracking_uri(params)
    return params


def resolve_config_path(config: str | Path) -> Path:
    """A user-given config path like any other: it must stay inside the current folder."""
    from longloop.corpus.readers import resolve_inside
    from longloop.corpus.records import DataError
    from longloop.settings.params import ConfigError

    try:
        return resolve_inside(str(config), [Path.cwd()])
    except DataError as exc:
        raise ConfigError(f"--config: {exc}") from None


def load_config(config: str | Path) -> LongloopParams:
    """A ``params.yaml`` validated, with the environment applied: the one way in for the CLI and for the flows
    that Prefect deployments run."""
    from longloop.settings.params import load_params

    return apply_environment(load_params(resolve_config_path(config)))


def serving_auth_token(params: LongloopParams) -> str | None:
    """The serving app's bearer token, from the variable ``serving.auth_token_env`` names; refused when that
    variable is unset or blank, so that a server configured for authentication never starts open."""
    from longloop.settings.params import ConfigError

    name = params.serving.auth_token_env
    if not name:
        return None
    token = os.environ.get(name, "").strip()
    if not token:
        raise ConfigError(f"serving.auth_token_env: the environment variable {name} is not set or is empty")
    if len(token) < 16:
        raise ConfigError(f"serving.auth_token_env: the token in {name} is shorter than 16 characters")
    return token
