"""One tiny encoder shape for the architecture tests: any architecture, any context."""

from longloop.settings.params import ModelParams


def tiny_model_params(architecture: str, context_tokens: int, window_stride: int) -> ModelParams:
    return ModelParams(
        architecture=architecture,
        hidden_size=16,
        num_layers=1,
        num_heads=2,
        intermediate_size=32,
        context_tokens=context_tokens,
        window_stride=window_stride,
        dropout=0.0,
    )
