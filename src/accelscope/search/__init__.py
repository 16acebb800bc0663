"""Design-space exploration: spaces, constraints, objectives, strategies, Pareto fronts."""

from accelscope.search.constraints import (
    Constraint,
    Objective,
    parse_constraint,
    parse_objective,
)
from accelscope.search.multi import MultiResult, multi_explore
from accelscope.search.runner import ExploreResult, explore
from accelscope.search.space import DesignSpace, list_spaces, load_space, space_from_dict

__all__ = [
    "Constraint",
    "Objective",
    "parse_constraint",
    "parse_objective",
    "DesignSpace",
    "ExploreResult",
    "MultiResult",
    "explore",
    "multi_explore",
    "list_spaces",
    "load_space",
    "space_from_dict",
]
