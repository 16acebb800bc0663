"""A workload mix: networks that run on one accelerator at the same time, each with its
rate and/or latency target.

YAML::

    spec_version: 1
    name: camera-pipeline
    applications:
      - {name: detect, model: tiny-yolov2, rate_per_s: 30, latency_ms: 50, priority: 2}
      - {name: classify, model: resnet-18, rate_per_s: 10}
      - {name: speech, model: lstm-lm, latency_ms: 100, priority: 1}

``rate_per_s``: inferences per second the application needs (default: none, it only has
a latency bound). ``latency_ms``: the bound on one inference's response time (default: its
period, ``1 / rate``). ``priority``: larger runs first under time multiplexing (ties: the
higher rate first). ``batch`` / ``seq_len`` as for every model option.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from accelscope.errors import SpecError


class Application(BaseModel):
    """One network of the mix and its targets."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str | None = None
    model: str
    rate_per_s: float | None = Field(default=None, gt=0, le=1e9)
    latency_ms: float | None = Field(default=None, gt=0, le=1e9)
    batch: int | None = Field(default=None, ge=1, le=1 << 20)
    seq_len: int | None = Field(default=None, ge=1, le=1 << 20)
    priority: int = 0

    @model_validator(mode="after")
    def _has_a_target(self) -> Application:
        if self.rate_per_s is None and self.latency_ms is None:
            raise ValueError("give rate_per_s, latency_ms or both")
        return self

    @property
    def label(self) -> str:
        return self.name or self.model

    @property
    def latency_bound_s(self) -> float:
        """The response-time bound: latency_ms, else the period."""
        if self.latency_ms is not None:
            return self.latency_ms / 1e3
        return 1.0 / float(self.rate_per_s)


class MixSpec(BaseModel):
    """A mix of applications (see module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    spec_version: Literal[1] = 1
    name: str = "mix"
    applications: list[Application] = Field(min_length=1, max_length=16)

    @model_validator(mode="after")
    def _unique_names(self) -> MixSpec:
        labels = [a.label for a in self.applications]
        repeated = sorted({x for x in labels if labels.count(x) > 1})
        if repeated:
            raise ValueError(
                f"application names must be unique: {', '.join(repeated)} repeats "
                "(give each a 'name')"
            )
        return self


def mix_from_dict(data: Any, source: str = "<dict>") -> MixSpec:
    """Validate a mapping into a :class:`MixSpec` (errors name *source* and the field)."""
    from accelscope.workload.yaml_import import format_validation_error

    if not isinstance(data, dict):
        raise SpecError(f"{source}: expected a mapping with 'applications' at top level")
    try:
        return MixSpec.model_validate(data)
    except ValidationError as err:
        raise SpecError(format_validation_error(err, source, data)) from None


def load_mix(path: str | Path) -> MixSpec:
    """A :class:`MixSpec` from a YAML file."""
    from accelscope.yamlfile import read_yaml

    return mix_from_dict(read_yaml(path), Path(path).name)
