"""The pre-flight check of an assignment (``grader check``, docs/check.md), as pure
logic: given the runs' results, the findings. The runs themselves (the reference,
the starter, each variant, the reference under other seeds) are made by the adapter,
cli/check.py. One noun a module: ``finding`` (a row and its verdict), ``candidates``
(the files each run submits), ``scores`` (what the runs' scores say), ``timing``,
``seeds`` (reruns under other seeds), ``metrics`` (a run's metric values), ``spread``
(thresholds against the seeds' spread) and ``table`` (the text table).
"""

from grader.preflight.candidates import STARTER_DIR, Candidate, gather, with_variant
from grader.preflight.finding import Finding, Stage, Verdict, exit_status, worst
from grader.preflight.metrics import MetricKey, metric_values
from grader.preflight.scores import (
    coverage_findings,
    reference_findings,
    skipped,
    starter_findings,
    unusable_variant,
    variant_findings,
)
from grader.preflight.seeds import (
    declares_seed,
    metric_tests,
    rerun_offset,
    reseeded,
    reseeded_grader,
)
from grader.preflight.spread import WARN_MARGIN, WARN_MARGIN_SHARE, Spread, spread_findings, spreads
from grader.preflight.table import render
from grader.preflight.timing import TIME_SHARE_WARN, timing_findings

__all__ = [
    "STARTER_DIR",
    "TIME_SHARE_WARN",
    "WARN_MARGIN",
    "WARN_MARGIN_SHARE",
    "Candidate",
    "Finding",
    "MetricKey",
    "Spread",
    "Stage",
    "Verdict",
    "coverage_findings",
    "declares_seed",
    "exit_status",
    "gather",
    "metric_tests",
    "metric_values",
    "reference_findings",
    "render",
    "rerun_offset",
    "reseeded",
    "reseeded_grader",
    "skipped",
    "spread_findings",
    "spreads",
    "starter_findings",
    "timing_findings",
    "unusable_variant",
    "variant_findings",
    "with_variant",
    "worst",
]
