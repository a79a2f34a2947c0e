"""The file MLflow logs as the model's code ("models from code"): it names the class, nothing is pickled."""

from mlflow.models import set_model

from longloop.registry.pyfunc_model import LongloopPyfunc

set_model(LongloopPyfunc())
