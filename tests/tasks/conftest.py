import pytest
from prefect.testing.utilities import prefect_test_harness


@pytest.fixture(scope="package", autouse=True)
def prefect_server():
    """One temporary Prefect server for the task tests (flows, retries, concurrency limits live on it)."""
    with prefect_test_harness(server_startup_timeout=120):
        yield
