"""The training stage's global concurrency limit, on a real (temporary) Prefect server."""

from prefect.client.orchestration import get_client

from longloop.tasks.training_tasks import training_slot


def _limit(name: str):
    with get_client(sync_client=True) as client:
        return client.read_global_concurrency_limit_by_name(name)


def test_max_concurrent_runs_holds_a_slot_of_a_global_limit_while_training(tiny_params):
    params = tiny_params.model_copy(
        update={"training": tiny_params.training.model_copy(update={"max_concurrent_runs": 1})}
    )
    with training_slot(params.project.name, params.training.max_concurrent_runs):
        held = _limit("longloop-training")
        assert held.limit == 1 and held.active_slots == 1
    assert _limit("longloop-training").active_slots == 0


def test_no_limit_configured_takes_no_slot(tiny_params):
    assert tiny_params.training.max_concurrent_runs is None
    with training_slot(tiny_params.project.name, None):
        pass
