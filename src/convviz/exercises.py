"""Implement-it exercises: check a learner's function and find the smallest counterexample.

``check(name, fn)`` runs ``fn`` on many random valid configurations and compares
what it returns with convviz's own function of the same name and signature (and
with PyTorch, or NumPy, where an independent reference exists)::

    report = cv.exercises.check("conv1d", my_conv1d)
    report.passed          # True or False
    report.counterexample  # the smallest failing configuration found, or None
    print(report)          # pass, or the configuration, expected and obtained, and a hint

The configurations are drawn from small integer parameters (batch, channels,
sizes, kernel, stride, padding, dilation, groups) and run from the simplest to
the most complex; the first failure is then *shrunk*: each parameter is lowered
while the function still fails, so the report shows the smallest configuration
the search can find. Inputs hold small integers, so the arrays are readable.

When the wrong output equals the output of a known mistake (the kernel flipped,
the output size off by one, ``ceil`` instead of ``floor``, the groups sliced
wrongly, the shuffle transposed the wrong way, ``output_padding`` ignored, ...)
the report names it. A function that raises, returns the wrong type, shape or
dtype, or runs past the per-case time limit gets a report too: ``check`` never
raises because of the learner's code.

``catalogue()`` lists every exercise with a one-line description.
"""

from __future__ import annotations

import contextlib
import html
import importlib.util
import io
import math
import re
import signal
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from convviz.conv import conv1d, conv2d, conv3d
from convviz.cost import (
    conv_cost,
    depthwise_separable_cost,
    pointwise_grouped_cost,
    spatially_separable_macs_square,
)
from convviz.grad import conv2d_input, conv2d_weight
from convviz.matrix import conv_matrix
from convviz.receptive import Layer, receptive_field
from convviz.shapes import (
    conv_output_shape,
    conv_output_size,
    conv_transpose_output_size,
    same_padding,
)
from convviz.shuffle import channel_shuffle
from convviz.signal import convolve1d, correlate1d, correlate2d
from convviz.transposed import conv_transpose2d

__all__ = ["Exercise", "Report", "catalogue", "check", "exercise"]

Params = dict[str, int]


@dataclass(frozen=True)
class Mistake:
    """A known wrong implementation: a hint and a test that recognises its output."""

    hint: str
    test: Callable[[tuple, dict, Any, Any], bool]  # (args, kwargs, expected, obtained)


@dataclass(frozen=True)
class Exercise:
    """One implement-it exercise.

    Parameters
    ----------
    name : str
        The function the learner writes (same name and arguments as the reference).
    chapter : str
        Two-digit number of the chapter that asks for it.
    description : str
        One line: what the function computes.
    signature : str
        The signature the learner's function must accept.
    space : dict of str to (int, int)
        Integer parameters of a configuration and their inclusive ranges; ``seed``
        seeds the array values.
    build : callable
        ``build(params) -> (args, kwargs)``, the call made on the learner's function;
        raises ``ValueError`` for an invalid configuration.
    reference : callable
        convviz's answer, called with the same ``(args, kwargs)``.
    independent : callable, optional
        A second, independent answer (PyTorch or NumPy), used where available.
    kind : {'array', 'int', 'ints'}
        What the function returns: a float array, an int, or a sequence of ints.
    mistakes : tuple of Mistake
        Known wrong implementations, tried in order for a hint.
    normalize : callable, optional
        Turns an accepted alternative result (e.g. a ``ReceptiveField``) into ``kind``.
    cases : int, default 40
        How many random configurations :func:`check` runs by default.
    arg_names : tuple of str
        Names of the positional arguments, for the report.
    """

    name: str
    chapter: str
    description: str
    signature: str
    space: dict[str, tuple[int, int]]
    build: Callable[[Params], tuple[tuple, dict]]
    reference: Callable[..., Any]
    independent: Callable[..., Any] | None = None
    kind: str = "array"
    mistakes: tuple[Mistake, ...] = ()
    normalize: Callable[[Any], Any] | None = None
    cases: int = 40
    arg_names: tuple[str, ...] = field(default=())


@dataclass
class Report:
    """What :func:`check` found.

    Attributes
    ----------
    name : str
        The exercise.
    passed : bool
        Whether the function agreed with the reference on every configuration run.
    cases : int
        Number of configurations run (shrinking included).
    counterexample : dict or None
        The smallest failing call found: argument name to value.
    expected : object
        The reference's answer on the counterexample.
    obtained : object
        The learner's answer on the counterexample.
    problem : str
        What went wrong, in one sentence ("" when passed).
    hint : str or None
        The known mistake the output matches, if any.
    references : str
        What the function was compared with.
    printed : str
        What the function printed on the counterexample (it prints nothing during
        the search).
    """

    name: str
    passed: bool
    cases: int
    counterexample: dict[str, Any] | None = None
    expected: Any = None
    obtained: Any = None
    problem: str = ""
    hint: str | None = None
    references: str = "convviz"
    printed: str = ""

    def __str__(self) -> str:
        if self.passed:
            return (
                f"{self.name}: passed, {self.cases} random configurations agree with "
                f"{self.references}."
            )
        if self.obtained is None and self.problem.startswith("returned None"):
            return (
                f"{self.name}: FAILED, not written yet. {self.problem}\n"
                "Write the body of the function, then run the cell again."
            )
        runs = f"{self.cases} configuration{'s' if self.cases != 1 else ''} run"
        if self.problem.startswith("ran for"):
            # timeouts are not shrunk: every try would cost the whole time limit
            heading = f"The configuration that ran too long ({runs}):"
        else:
            heading = f"Smallest failing configuration found ({runs}):"
        lines = [f"{self.name}: FAILED. {self.problem}", heading]
        arrays = []
        for key, value in (self.counterexample or {}).items():
            if isinstance(value, np.ndarray):
                lines.append(f"  {key}: array of shape {value.shape}")
                arrays.append((key, value))
            else:
                lines.append(f"  {key} = {value!r}")
        for key, value in arrays:
            lines.append(f"{key} =\n{_show(value)}")
        if not self.problem.startswith("ran for"):
            lines.append(f"expected{_shape_note(self.expected)} =\n{_show(self.expected)}")
        if not self.problem.startswith(("raised", "ran for")):
            lines.append(f"obtained{_shape_note(self.obtained)} =\n{_show(self.obtained)}")
        if self.printed:
            shown = self.printed.rstrip("\n").split("\n")
            more = f"\n  ... ({len(shown) - 20} more lines)" if len(shown) > 20 else ""
            lines.append("Your function printed, on this configuration:")
            lines.append("\n".join(f"  {line}" for line in shown[:20]) + more)
        if self.hint:
            lines.append(f"Hint: {self.hint}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        state = "passed" if self.passed else "failed"
        return f"<Report {self.name}: {state} after {self.cases} configurations>"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.passed else "#b3261e"
        return (
            f'<pre class="cv-exercise-report" style="border-left:4px solid {colour};'
            f'padding:0.5em 0.8em;white-space:pre-wrap">{html.escape(str(self))}</pre>'
        )


def _show(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=4, suppress_small=True, max_line_width=100)
    return repr(value)


def _shape_note(value: Any) -> str:
    return f" (shape {value.shape}, dtype {value.dtype})" if isinstance(value, np.ndarray) else ""


# -- running the learner's function safely -------------------------------------------


class _Timeout(BaseException):
    """Raised inside the learner's function when it runs past the time limit."""


def _call(fn: Callable, args: tuple, kwargs: dict, timeout: float) -> tuple[Any, str | None]:
    """``fn(*args, **kwargs)`` with a time limit; returns ``(result, problem)``."""
    # the learner gets copies: an in-place `+=` must not change what the references see
    args = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)
    kwargs = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    use_alarm = threading.current_thread() is threading.main_thread() and hasattr(
        signal, "setitimer"
    )
    previous = None

    def _alarm(signum: int, frame: Any) -> None:
        raise _Timeout

    start = time.perf_counter()
    try:
        if use_alarm:
            previous = signal.signal(signal.SIGALRM, _alarm)
            signal.setitimer(signal.ITIMER_REAL, timeout)
        result = fn(*args, **kwargs)
    except _Timeout:
        return None, f"ran for more than the time limit of {timeout:g} s per configuration"
    except Exception as error:  # the learner's bug, reported, never raised
        return None, f"raised {type(error).__name__}: {error}{_where(fn, error)}"
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
    if time.perf_counter() - start > timeout:
        return None, f"ran for more than the time limit of {timeout:g} s per configuration"
    return result, None


def _where(fn: Callable, error: BaseException) -> str:
    """`` (line N: source)`` of the learner's own line that raised, if it can be found.

    The deepest frame is often inside NumPy (``np.pad`` refusing an argument); the
    learner needs the line of *their* code that made the call.
    """
    frames = traceback.extract_tb(error.__traceback__)[1:]  # drop _call's own frame
    code = getattr(fn, "__code__", None)
    mine = [f for f in frames if code is not None and f.filename == code.co_filename]
    frame = (mine or frames or [None])[-1]
    if frame is None or not frame.line:
        return ""
    return (
        f" (line {frame.lineno} of your code: {frame.line})"
        if mine
        else (f" (in {frame.name}, line {frame.lineno}: {frame.line})")
    )


def _conform(ex: Exercise, obtained: Any, expected: Any) -> tuple[Any, str | None]:
    """Check type, shape and dtype; returns the comparable value or a problem."""
    if obtained is None:
        return None, "returned None: is the body still `...`, or is a `return` missing?"
    if ex.normalize is not None:
        obtained = ex.normalize(obtained)
    if ex.kind == "int":
        if isinstance(obtained, (bool, np.bool_)) or not isinstance(obtained, (int, np.integer)):
            kind = type(obtained).__name__
            extra = " (use // for floor division)" if isinstance(obtained, float) else ""
            return obtained, f"returned {kind} {obtained!r}, expected an int{extra}"
        return int(obtained), None
    if ex.kind == "ints":
        if isinstance(obtained, np.ndarray) and obtained.ndim == 1:
            obtained = obtained.tolist()
        if not isinstance(obtained, (tuple, list)) or not all(
            isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
            for v in obtained
        ):
            return obtained, f"returned {obtained!r}, expected a tuple (or list) of ints"
        values = [int(v) for v in obtained]
        return (values if isinstance(expected, list) else tuple(values)), None
    if hasattr(obtained, "detach") and hasattr(obtained, "numpy"):  # a torch tensor
        obtained = obtained.detach().cpu().numpy()
    if not isinstance(obtained, np.ndarray):
        return obtained, f"returned {type(obtained).__name__}, expected a NumPy ndarray"
    if obtained.shape != expected.shape:
        return obtained, f"returned shape {obtained.shape}, expected shape {expected.shape}"
    if not np.issubdtype(obtained.dtype, np.floating):
        return obtained, (
            f"returned dtype {obtained.dtype}, expected a floating dtype such as float64 "
            "(np.zeros(shape) makes one)"
        )
    return obtained, None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-6, atol=1e-6))
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return tuple(a) == tuple(b)
    return a == b


@dataclass
class _Outcome:
    ok: bool
    expected: Any = None
    obtained: Any = None
    problem: str = ""
    printed: str = ""


def _torch_available() -> bool:
    return importlib.util.find_spec("torch") is not None


def _run(ex: Exercise, fn: Callable, args: tuple, kwargs: dict, timeout: float) -> _Outcome:
    """One configuration; what the function prints is kept with the outcome, not shown.

    A learner's debugging ``print`` would otherwise flood the notebook once per
    configuration; the report shows what it printed on the counterexample only.
    """
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        outcome = _run_quietly(ex, fn, args, kwargs, timeout)
    outcome.printed = buffer.getvalue()
    return outcome


def _run_quietly(ex: Exercise, fn: Callable, args: tuple, kwargs: dict, timeout: float) -> _Outcome:
    expected = ex.reference(*args, **kwargs)
    obtained, problem = _call(fn, args, kwargs, timeout)
    if problem:
        return _Outcome(False, expected, obtained, problem)
    obtained, problem = _conform(ex, obtained, expected)
    if problem:
        return _Outcome(False, expected, obtained, problem)
    if not _same(obtained, expected):
        return _Outcome(False, expected, obtained, "returned the wrong values")
    if ex.independent is not None and _independent_ok(ex):
        other = ex.independent(*args, **kwargs)
        if not _same(obtained, other):
            return _Outcome(
                False,
                other,
                obtained,
                "convviz and the independent reference disagree here: please report it",
            )
    return _Outcome(True, expected, obtained)


def _independent_ok(ex: Exercise) -> bool:
    return getattr(ex.independent, "needs_torch", False) is False or _torch_available()


def _complexity(ex: Exercise, params: Params) -> int:
    return sum(v - ex.space[k][0] for k, v in params.items() if k != "seed")


def _valid(ex: Exercise, params: Params) -> tuple[tuple, dict] | None:
    try:
        args, kwargs = ex.build(params)
        expected = ex.reference(*args, **kwargs)
    except (ValueError, ZeroDivisionError):
        return None
    if isinstance(expected, np.ndarray) and expected.size == 0:
        return None  # an empty result (e.g. an output size of 0) checks nothing
    return args, kwargs


def _draw(ex: Exercise, rng: np.random.Generator, n: int) -> list[Params]:
    drawn: list[Params] = []
    seen: set[tuple] = set()
    # the simplest configuration first (every parameter at its lowest), when it is valid:
    # a function that never returns is then reported on the smallest input there is
    simplest = {k: lo for k, (lo, _) in ex.space.items()}
    if _valid(ex, simplest) is not None:
        seen.add(tuple(sorted(simplest.items())))
        drawn.append(simplest)
    for _ in range(60 * n):
        if len(drawn) == n:
            break
        params = {k: int(rng.integers(lo, hi + 1)) for k, (lo, hi) in ex.space.items()}
        key = tuple(sorted(params.items()))
        if key in seen or _valid(ex, params) is None:
            continue
        seen.add(key)
        drawn.append(params)
    return sorted(drawn, key=lambda p: _complexity(ex, p))


def _hint(ex: Exercise, trail: list[tuple[Params, _Outcome]]) -> str | None:
    problem = trail[0][1].problem
    if problem.startswith("raised TypeError") and "argument" in problem:
        return f"the checker calls your function as {ex.signature}."
    return _mistake(ex, trail)


def _mistake(ex: Exercise, trail: list[tuple[Params, _Outcome]]) -> str | None:
    """The known mistake that explains the most failing configurations of the trail.

    A small configuration can fit several mistakes at once (with g = 2, ignoring the
    groups doubles the count, as counting FLOPs does); the larger ones seen on the
    way down tell them apart.
    """
    best, best_score = None, 0
    for mistake in ex.mistakes:
        score = 0
        for params, outcome in trail:
            if (
                outcome.obtained is None
                or _kind(outcome) != "wrong"
                or _same(outcome.obtained, outcome.expected)  # right values, wrong type
            ):
                continue
            args, kwargs = ex.build(params)
            try:
                score += bool(mistake.test(args, kwargs, outcome.expected, outcome.obtained))
            except Exception:  # a variant that does not apply to this configuration
                continue
        if score > best_score:
            best, best_score = mistake.hint, score
    return best


def check(
    name: str,
    fn: Callable[..., Any],
    *,
    cases: int | None = None,
    seed: int = 0,
    timeout: float = 2.0,
    shrink_steps: int = 120,
) -> Report:
    """Check a learner's implementation of an exercise on random configurations.

    Parameters
    ----------
    name : str
        The exercise, one of :func:`catalogue`.
    fn : callable
        The learner's function, with the exercise's signature.
    cases : int, optional
        How many random configurations to run (default: the exercise's own, 40 for
        arrays, more for integer answers).
    seed : int, default 0
        Seed of the configurations (the same seed gives the same report).
    timeout : float, default 2.0
        Seconds allowed per configuration.
    shrink_steps : int, default 120
        Most calls spent shrinking a failing configuration.

    Returns
    -------
    Report
        ``passed``, the shrunk ``counterexample`` with ``expected`` and ``obtained``,
        and a ``hint`` when the failure matches a known mistake.

    Raises
    ------
    ValueError
        If ``name`` is not an exercise.
    TypeError
        If ``fn`` is not callable.
    """
    ex = exercise(name)
    if not callable(fn):
        raise TypeError(f"fn must be a function, got fn={fn!r}")
    references = "convviz"
    if ex.independent is not None and _independent_ok(ex):
        references += " and " + getattr(ex.independent, "label", "an independent reference")
    rng = np.random.default_rng(seed)
    runs = 0
    drawn = _draw(ex, rng, cases if cases is not None else ex.cases)
    for index, params in enumerate(drawn):
        args, kwargs = ex.build(params)
        outcome = _run(ex, fn, args, kwargs, timeout)
        runs += 1
        if outcome.ok:
            continue
        # a few more failures of the same kind tell apart mistakes the first one fits alike
        evidence = []
        if _kind(outcome) == "wrong":
            for more in drawn[index + 1 : index + 13]:
                result = _run(ex, fn, *ex.build(more), timeout)
                runs += 1
                if not result.ok and _kind(result) == "wrong":
                    evidence.append((more, result))
        params, outcome, extra, trail = _shrink(ex, fn, params, outcome, timeout, shrink_steps)
        trail += evidence
        runs += extra
        args, kwargs = ex.build(params)
        return Report(
            name=name,
            passed=False,
            cases=runs,
            counterexample=_named(ex, args, kwargs),
            expected=outcome.expected,
            obtained=outcome.obtained,
            problem=outcome.problem,
            hint=_hint(ex, trail),
            references=references,
            printed=outcome.printed,
        )
    return Report(name=name, passed=True, cases=runs, references=references)


def _kind(outcome: _Outcome) -> str:
    return (
        outcome.problem.split(" ", 1)[0]
        if outcome.problem.startswith(("raised", "ran"))
        else "wrong"
    )


_SETTING = re.compile(r"^(?:[spda][hw1-4]?|bias)$")  # stride, padding, dilation, a, bias


def _moves(ex: Exercise, params: Params) -> list[Params]:
    """Smaller configurations to try, simplest moves first.

    First each parameter lowered on its own; then a setting (stride, padding,
    dilation, output_padding, bias) lowered by one while a size grows by one: a
    1 x 1 image needs padding to fail under a 1 x 2 kernel, a 1 x 2 image does not,
    and the learner reads the second more easily. Settings weigh twice a size, so
    every accepted move makes ``2 * settings + sizes`` smaller and shrinking ends.
    """
    moves = []
    for key, value in params.items():
        lo = ex.space[key][0]
        candidates = [lo, value - 1] if key != "seed" else [0, 1, 2]
        moves += [{**params, key: c} for c in dict.fromkeys(candidates) if lo <= c < value]
    sizes = [k for k in params if k != "seed" and not _SETTING.match(k)]
    for key, value in params.items():
        if _SETTING.match(key) and value > ex.space[key][0]:
            moves += [
                {**params, key: value - 1, size: params[size] + 1}
                for size in sizes
                if params[size] < ex.space[size][1]
            ]
    return moves


def _shrink(
    ex: Exercise, fn: Callable, params: Params, outcome: _Outcome, timeout: float, steps: int
) -> tuple[Params, _Outcome, int, list[tuple[Params, _Outcome]]]:
    """Make the failing configuration smaller while it fails the same way (greedy, bounded).

    Returns the smallest failing parameters, their outcome, the number of calls made
    and the trail of failing configurations (for the hint, which must fit them all).
    """
    calls = 0
    trail = [(params, outcome)]
    deadline = time.perf_counter() + max(10.0, 5 * timeout)  # shrinking never drags on
    improved = True
    while improved and calls < steps and _kind(outcome) != "ran" and time.perf_counter() < deadline:
        improved = False
        for trial in _moves(ex, params):
            built = _valid(ex, trial)
            if built is None:
                continue
            calls += 1
            result = _run(ex, fn, *built, timeout)
            if not result.ok and _kind(result) == _kind(outcome):
                params, outcome, improved = trial, result, True
                trail.append((params, outcome))
                break
            if calls >= steps or time.perf_counter() > deadline:
                break
    return params, outcome, calls, trail


def _named(ex: Exercise, args: tuple, kwargs: dict) -> dict[str, Any]:
    names = ex.arg_names or tuple(f"arg{i}" for i in range(len(args)))
    return {**dict(zip(names, args, strict=False)), **kwargs}


# -- the exercises ---------------------------------------------------------------------

EXERCISES: dict[str, Exercise] = {}


def _register(ex: Exercise) -> None:
    EXERCISES[ex.name] = ex


def exercise(name: str) -> Exercise:
    """The exercise called ``name``.

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    ValueError
        If there is no such exercise (the message lists them).
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string naming an exercise, got name={name!r}")
    if name not in EXERCISES:
        raise ValueError(f"name must be one of {sorted(EXERCISES)}, got name={name!r}")
    return EXERCISES[name]


def catalogue() -> dict[str, str]:
    """Every exercise name with a one-line description, in chapter order.

    Returns
    -------
    dict of str to str
        ``{name: "chNN: description"}``.
    """
    ordered = sorted(EXERCISES.values(), key=lambda e: e.chapter)
    return {e.name: f"ch{e.chapter}: {e.description} -- {e.signature}" for e in ordered}


def _values(seed: int, *shapes: Sequence[int]) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(-3, 4, size=tuple(s)).astype(np.float64) for s in shapes]


def _torch(fn_name: str, *, n_arrays: int = 2) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> np.ndarray:
        import torch
        import torch.nn.functional as F

        tensors = [torch.from_numpy(np.ascontiguousarray(a)) for a in args[:n_arrays]]
        extra = {
            k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()
        }
        return getattr(F, fn_name)(*tensors, *args[n_arrays:], **extra).numpy()

    run.needs_torch = True  # type: ignore[attr-defined]
    run.label = "torch"  # type: ignore[attr-defined]
    return run


def _numpy(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn.needs_torch = False  # type: ignore[attr-defined]
    fn.label = "NumPy"  # type: ignore[attr-defined]
    return fn


# mistake recognisers ------------------------------------------------------------------


def _variant(hint: str, fn: Callable[..., Any]) -> Mistake:
    """The output equals ``fn(*args, **kwargs)``, a mistaken implementation."""
    return Mistake(hint, lambda a, k, e, o: _same(np.asarray(o), np.asarray(fn(*a, **k))))


def _value(hint: str, fn: Callable[..., Any]) -> Mistake:
    """An integer (or tuple) answer equal to ``fn(*args, **kwargs)``."""
    return Mistake(hint, lambda a, k, e, o: _same(o, fn(*a, **k)))


def _flip_last(w: np.ndarray, axes: int) -> np.ndarray:
    return np.flip(w, axis=tuple(range(w.ndim - axes, w.ndim))).copy()


FLIPPED = (
    "the output matches the kernel flipped. Deep learning's convolution is a "
    "cross-correlation: y[r] = sum_t x[r*s + t*d] w[t], with no reversal of w."
)
OFF_BY_ONE = (
    "the output size is off by one. o = floor((i + 2p - d(k - 1) - 1) / s) + 1: "
    "check the +1 and the - 1 inside."
)
CEIL = (
    "the output size is computed with ceil instead of floor: a window that does "
    "not fit entirely inside the padded input is dropped, o = floor(...) + 1."
)


def _conv_size(i: int, k: int, s: int, p: int, d: int, rounding: Callable) -> int:
    return int(rounding((i + 2 * p - d * (k - 1) - 1) / s)) + 1


def _pair(v: Any, n: int) -> tuple[int, ...]:
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def _shape_with(rounding: Callable, size_shift: bool = False) -> Callable:
    """Whether the obtained conv output has the shape made by ``rounding``."""

    def test(a: tuple, k: dict, e: Any, o: Any) -> bool:
        x, w = a[0], a[1]
        n = x.ndim - 2
        s, p, d = (
            _pair(k.get(name, dflt), n)
            for name, dflt in (("stride", 1), ("padding", 0), ("dilation", 1))
        )
        spatial = tuple(
            _conv_size(i, kk, ss, pp, dd, rounding)
            for i, kk, ss, pp, dd in zip(x.shape[2:], w.shape[2:], s, p, d, strict=True)
        )
        return np.shape(o)[2:] == spatial and np.shape(o) != np.shape(e)

    return test


def _off_by_one(a: tuple, k: dict, e: Any, o: Any) -> bool:
    so, se = np.shape(o), np.shape(e)
    return (
        len(so) == len(se)
        and so != se
        and so[:2] == se[:2]
        and all(abs(u - v) <= 1 for u, v in zip(so, se, strict=True))
    )


def _mistakes_conv(op: Callable, spatial: int, extra: tuple[Mistake, ...] = ()) -> tuple:
    return (
        _variant(FLIPPED, lambda x, w, *r, **k: op(x, _flip_last(w, spatial), *r, **k)),
        *extra,
        Mistake(CEIL, _shape_with(math.ceil)),
        Mistake(OFF_BY_ONE, _off_by_one),
    )


def _invalid(message: str) -> tuple[tuple, dict]:
    raise ValueError(message)


# chapter 1: convolution and cross-correlation of signals


def _signals(p: Params) -> tuple[tuple, dict]:
    x, w = _values(p["seed"], (p["n"],), (p["m"],))
    return (x, w), {}


def _signals_valid(p: Params) -> tuple[tuple, dict]:
    if p["m"] > p["n"]:
        return _invalid("the kernel is longer than the signal")
    return _signals(p)


_register(
    Exercise(
        "convolve1d",
        "01",
        "full convolution of two 1-D signals, (x * w)[n] = sum_j x[n - j] w[j]",
        "convolve1d(x, w)",
        {"n": (1, 8), "m": (1, 4), "seed": (0, 1000)},
        _signals,
        lambda x, w: convolve1d(x, w),
        _numpy(lambda x, w: np.convolve(x, w, "full")),
        cases=60,
        arg_names=("x", "w"),
        mistakes=(
            _variant(
                "the output matches a cross-correlation: convolution reverses the kernel, "
                "it pairs x[n - j] with w[j].",
                lambda x, w: np.correlate(x, w, "full"),
            ),
            Mistake(
                "the output has the 'valid' length N - M + 1; the full convolution keeps "
                "every shift where kernel and signal overlap, length N + M - 1.",
                lambda a, k, e, o: np.shape(o) == (abs(len(a[0]) - len(a[1])) + 1,),
            ),
        ),
    )
)

_register(
    Exercise(
        "correlate1d",
        "01",
        "'valid' cross-correlation of two 1-D signals, y[n] = sum_j x[n + j] w[j]",
        "correlate1d(x, w)",
        {"n": (1, 8), "m": (1, 4), "seed": (0, 1000)},
        _signals_valid,
        lambda x, w: correlate1d(x, w),
        _numpy(lambda x, w: np.correlate(x, w, "valid")),
        cases=60,
        arg_names=("x", "w"),
        mistakes=(
            _variant(
                "the output matches a convolution: cross-correlation slides the kernel as "
                "it is, without reversing it.",
                lambda x, w: np.convolve(x, w, "valid"),
            ),
            Mistake(
                "the output has the 'full' length N + M - 1; 'valid' keeps only the "
                "positions where the kernel lies entirely inside the signal, N - M + 1.",
                lambda a, k, e, o: np.shape(o) == (len(a[0]) + len(a[1]) - 1,),
            ),
        ),
    )
)


# chapter 2: conv1d and conv2d


def _conv1d_case(p: Params) -> tuple[tuple, dict]:
    x, w = _values(p["seed"], (p["n"], p["c_in"], p["i"]), (p["c_out"], p["c_in"], p["k"]))
    return (x, w), {"stride": p["s"], "padding": p["p"], "dilation": p["d"]}


_register(
    Exercise(
        "conv1d",
        "02",
        "multi-channel 1-D convolution (cross-correlation) with stride, padding, dilation",
        "conv1d(x, weight, stride=1, padding=0, dilation=1)",
        {
            "n": (1, 2),
            "c_in": (1, 3),
            "c_out": (1, 3),
            "i": (1, 10),
            "k": (1, 4),
            "s": (1, 3),
            "p": (0, 2),
            "d": (1, 3),
            "seed": (0, 1000),
        },
        _conv1d_case,
        conv1d,
        _torch("conv1d"),
        arg_names=("x", "weight"),
        mistakes=_mistakes_conv(
            conv1d,
            1,
            (
                _variant(
                    "dilation is ignored: tap t of a dilated kernel reads x[r*s + t*d].",
                    lambda x, w, **k: conv1d(x, w, **{**k, "dilation": 1}),
                ),
                _variant(
                    "padding is ignored: pad p zeros on both ends before sliding.",
                    lambda x, w, **k: conv1d(x, w, **{**k, "padding": 0}),
                ),
            ),
        ),
    )
)


def _conv2d_case(p: Params) -> tuple[tuple, dict]:
    x, w, b = _values(
        p["seed"],
        (p["n"], p["c_in"], p["h"], p["w"]),
        (p["c_out"], p["c_in"], p["kh"], p["kw"]),
        (p["c_out"],),
    )
    return (x, w), {
        "bias": b if p["bias"] else None,
        "stride": (p["sh"], p["sw"]),
        "padding": (p["ph"], p["pw"]),
        "dilation": (p["dh"], p["dw"]),
    }


def _swap_axes(k: dict) -> dict:
    return {key: (tuple(v[::-1]) if isinstance(v, tuple) else v) for key, v in k.items()}


_register(
    Exercise(
        "conv2d",
        "02",
        "multi-channel 2-D convolution with bias, stride, padding and dilation (NCHW, OIHW)",
        "conv2d(x, weight, bias=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1))",
        {
            "n": (1, 2),
            "c_in": (1, 3),
            "c_out": (1, 3),
            "h": (1, 7),
            "w": (1, 7),
            "kh": (1, 3),
            "kw": (1, 3),
            "sh": (1, 2),
            "sw": (1, 2),
            "ph": (0, 1),
            "pw": (0, 1),
            "dh": (1, 2),
            "dw": (1, 2),
            "bias": (0, 1),
            "seed": (0, 1000),
        },
        _conv2d_case,
        conv2d,
        _torch("conv2d"),
        arg_names=("x", "weight"),
        mistakes=_mistakes_conv(
            conv2d,
            2,
            (
                _variant(
                    "the bias is ignored: add bias[c_out] to every value of output channel c_out.",
                    lambda x, w, **k: conv2d(x, w, **{**k, "bias": None}),
                ),
                _variant(
                    "dilation is ignored: tap (r, c) reads x[..., o_h*s_h + r*d_h, o_w*s_w + c*d_w].",
                    lambda x, w, **k: conv2d(x, w, **{**k, "dilation": 1}),
                ),
                _variant(
                    "padding is ignored: pad p_h rows above and below, p_w columns left and right.",
                    lambda x, w, **k: conv2d(x, w, **{**k, "padding": 0}),
                ),
                _variant(
                    "height and width settings are swapped: the first entry of stride, "
                    "padding and dilation is for the rows (H), the second for the columns (W).",
                    lambda x, w, **k: conv2d(x, w, **_swap_axes(k)),
                ),
            ),
        ),
    )
)


# chapter 3: conv3d and output shapes


def _conv3d_case(p: Params) -> tuple[tuple, dict]:
    x, w = _values(
        p["seed"],
        (p["n"], p["c_in"], p["t"], p["h"], p["w"]),
        (p["c_out"], p["c_in"], p["kt"], p["kh"], p["kw"]),
    )
    return (x, w), {"stride": p["s"], "padding": p["p"]}


_register(
    Exercise(
        "conv3d",
        "03",
        "3-D convolution of (N, C_in, D, H, W) volumes: the kernel slides along D, H and W",
        "conv3d(x, weight, stride=1, padding=0)",
        {
            "n": (1, 2),
            "c_in": (1, 2),
            "c_out": (1, 2),
            "t": (1, 5),
            "h": (1, 5),
            "w": (1, 5),
            "kt": (1, 3),
            "kh": (1, 3),
            "kw": (1, 3),
            "s": (1, 2),
            "p": (0, 1),
            "seed": (0, 1000),
        },
        _conv3d_case,
        conv3d,
        _torch("conv3d"),
        cases=30,
        arg_names=("x", "weight"),
        mistakes=_mistakes_conv(
            conv3d,
            3,
            (
                _variant(
                    "padding is ignored: pad p zeros on both sides of D, H and W.",
                    lambda x, w, **k: conv3d(x, w, **{**k, "padding": 0}),
                ),
            ),
        ),
    )
)


def _shape_case(p: Params) -> tuple[tuple, dict]:
    n = p["ndim"]
    size = (p["i1"], p["i2"], p["i3"])[:n]
    kernel = (p["k1"], p["k2"], p["k3"])[:n]
    return (size, kernel), {"stride": p["s"], "padding": p["p"], "dilation": p["d"]}


def _shape_variant(rounding: Callable, dilation: bool = True) -> Callable:
    def fn(size: tuple, kernel: tuple, stride: int = 1, padding: int = 0, **k: Any) -> tuple:
        d = k.get("dilation", 1) if dilation else 1
        return tuple(
            _conv_size(i, kk, stride, padding, d, rounding)
            for i, kk in zip(size, kernel, strict=True)
        )

    return fn


_register(
    Exercise(
        "conv_output_shape",
        "03",
        "spatial output shape of a 1-D, 2-D or 3-D convolution, one size per axis",
        "conv_output_shape(input_shape, kernel_size, stride=1, padding=0, dilation=1)",
        {
            "ndim": (1, 3),
            "i1": (1, 9),
            "i2": (1, 9),
            "i3": (1, 9),
            "k1": (1, 4),
            "k2": (1, 4),
            "k3": (1, 4),
            "s": (1, 3),
            "p": (0, 2),
            "d": (1, 2),
        },
        _shape_case,
        lambda size, kernel, **k: conv_output_shape(size, kernel, **k),
        kind="ints",
        cases=120,
        arg_names=("input_shape", "kernel_size"),
        mistakes=(
            _value("the shape uses ceil instead of floor: " + CEIL, _shape_variant(math.ceil)),
            _value(
                "dilation is ignored: a dilated kernel spans d(k - 1) + 1 cells.",
                _shape_variant(math.floor, dilation=False),
            ),
            Mistake(
                OFF_BY_ONE,
                lambda a, k, e, o: (
                    len(o) == len(e) and all(abs(u - v) <= 1 for u, v in zip(o, e, strict=True))
                ),
            ),
        ),
    )
)


# chapter 4: 1x1 convolution and parameter counts


def _pointwise_case(p: Params) -> tuple[tuple, dict]:
    x, w = _values(p["seed"], (p["n"], p["c_in"], p["h"], p["w"]), (p["c_out"], p["c_in"], 1, 1))
    return (x, w), {}


_register(
    Exercise(
        "pointwise",
        "04",
        "1x1 convolution: the same C_out x C_in matrix applied at every pixel",
        "pointwise(x, weight)",
        {"n": (1, 2), "c_in": (1, 4), "c_out": (1, 4), "h": (1, 5), "w": (1, 5), "seed": (0, 1000)},
        _pointwise_case,
        lambda x, w: conv2d(x, w),
        _torch("conv2d"),
        arg_names=("x", "weight"),
        mistakes=(
            _variant(
                "the weight matrix is transposed: y[n, o] = sum_c weight[o, c] x[n, c], "
                "the first weight axis is the output channel.",
                lambda x, w: np.einsum("co,nchw->nohw", w[:, :, 0, 0], x),
            ),
        ),
    )
)


def _params_case(p: Params) -> tuple[tuple, dict]:
    g = p["g"]
    return (p["c_in"] * g, p["c_out"] * g, (p["kh"], p["kw"])), {
        "groups": g,
        "bias": bool(p["bias"]),
    }


def _params(c_in: int, c_out: int, kernel_size: tuple, groups: int = 1, bias: bool = True) -> int:
    return conv_cost((1, c_in, *kernel_size), c_out, kernel_size, groups=groups, bias=bias).params


_register(
    Exercise(
        "params",
        "04",
        "number of parameters (weights and biases) of a 2-D convolution layer",
        "params(in_channels, out_channels, kernel_size, groups=1, bias=True)",
        {"c_in": (1, 6), "c_out": (1, 6), "kh": (1, 5), "kw": (1, 5), "g": (1, 4), "bias": (0, 1)},
        _params_case,
        _params,
        kind="int",
        cases=150,
        arg_names=("in_channels", "out_channels", "kernel_size"),
        mistakes=(
            _value(
                "groups are ignored: each filter sees only in_channels / groups channels.",
                lambda ci, co, ks, groups=1, bias=True: co * ci * ks[0] * ks[1] + co * bias,
            ),
            _value(
                "the bias is missing (or counted when bias=False): one bias per output channel.",
                lambda ci, co, ks, groups=1, bias=True: (
                    co * (ci // groups) * ks[0] * ks[1] + co * (not bias)
                ),
            ),
        ),
    )
)


# chapter 5: arithmetic


def _size_case(p: Params) -> tuple[tuple, dict]:
    return (p["i"], p["k"]), {"stride": p["s"], "padding": p["p"], "dilation": p["d"]}


def _size_variant(
    rounding: Callable, *, dil: bool = True, pad2: bool = True, plus: int = 1
) -> Callable:
    def fn(i: int, k: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
        d = dilation if dil else 1
        p = 2 * padding if pad2 else padding
        return int(rounding((i + p - d * (k - 1) - 1) / stride)) + plus

    return fn


_register(
    Exercise(
        "conv_output_size",
        "05",
        "output size of a convolution along one axis, o = floor((i + 2p - d(k-1) - 1)/s) + 1",
        "conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1)",
        {"i": (1, 12), "k": (1, 5), "s": (1, 4), "p": (0, 3), "d": (1, 3)},
        _size_case,
        conv_output_size,
        kind="int",
        cases=200,
        arg_names=("size", "kernel_size"),
        mistakes=(
            _value(CEIL, _size_variant(math.ceil)),
            _value(
                "the + 1 is missing: with a kernel as large as the padded input there is "
                "still one output.",
                _size_variant(math.floor, plus=0),
            ),
            _value(
                "dilation is ignored: a dilated kernel spans d(k - 1) + 1 cells.",
                _size_variant(math.floor, dil=False),
            ),
            _value(
                "the padding is counted once: p zeros go on each side, 2p in all.",
                _size_variant(math.floor, pad2=False),
            ),
            Mistake(OFF_BY_ONE, lambda a, k, e, o: abs(o - e) == 1),
        ),
    )
)

_register(
    Exercise(
        "same_padding",
        "05",
        "the (left, right) padding that keeps the size at stride 1, as padding='same' does",
        "same_padding(kernel_size, dilation=1)",
        {"k": (1, 7), "d": (1, 3)},
        lambda p: ((p["k"],), {"dilation": p["d"]}),
        same_padding,
        kind="ints",
        cases=40,
        arg_names=("kernel_size",),
        mistakes=(
            _value(
                "left and right are swapped: when the total d(k - 1) is odd, PyTorch puts the "
                "extra zero on the right (the end).",
                lambda k, dilation=1: same_padding(k, dilation)[::-1],
            ),
            _value(
                "dilation is ignored: the total padding is d(k - 1), the span of the kernel minus one.",
                lambda k, dilation=1: same_padding(k, 1),
            ),
        ),
    )
)


# chapter 6: transposed convolution and the matrix view


def _convT_case(p: Params) -> tuple[tuple, dict]:
    x, w = _values(
        p["seed"], (p["n"], p["c_in"], p["h"], p["w"]), (p["c_in"], p["c_out"], p["kh"], p["kw"])
    )
    return (x, w), {
        "stride": p["s"],
        "padding": p["p"],
        "output_padding": p["a"],
        "dilation": p["d"],
    }


_register(
    Exercise(
        "conv_transpose2d",
        "06",
        "2-D transposed convolution as a scatter: each input cell stamps the kernel",
        "conv_transpose2d(x, weight, stride=1, padding=0, output_padding=0, dilation=1)",
        {
            "n": (1, 2),
            "c_in": (1, 2),
            "c_out": (1, 2),
            "h": (1, 4),
            "w": (1, 4),
            "kh": (1, 3),
            "kw": (1, 3),
            "s": (1, 3),
            "p": (0, 2),
            "a": (0, 2),
            "d": (1, 2),
            "seed": (0, 1000),
        },
        _convT_case,
        conv_transpose2d,
        _torch("conv_transpose2d"),
        arg_names=("x", "weight"),
        mistakes=(
            _variant(
                "output_padding is ignored: it adds a rows at the bottom and a columns on the "
                "right, o = (i - 1)s - 2p + d(k - 1) + a + 1.",
                lambda x, w, **k: conv_transpose2d(x, w, **{**k, "output_padding": 0}),
            ),
            _variant(
                "the kernel is flipped: input cell (r, c) adds x[r, c] * w[u, v] to output "
                "cell (r*s + u*d - p, c*s + v*d - p), w as it is.",
                lambda x, w, **k: conv_transpose2d(x, _flip_last(w, 2), **k),
            ),
            _variant(
                "the padding is not cropped: a transposed convolution removes p cells from "
                "each side of the full scatter.",
                lambda x, w, **k: conv_transpose2d(x, w, **{**k, "padding": 0}),
            ),
            _variant(
                "the weight's channel axes are swapped: for a transposed convolution the "
                "weight is (C_in, C_out, kH, kW).",
                lambda x, w, **k: conv_transpose2d(x, w.transpose(1, 0, 2, 3), **k),
            ),
        ),
    )
)


def _matrix_case(p: Params) -> tuple[tuple, dict]:
    (w,) = _values(p["seed"], (p["c_out"], p["c_in"], p["k"], p["k"]))
    return ((p["c_in"], p["h"], p["w"]), w), {"stride": p["s"], "padding": p["p"]}


def _torch_matrix(shape: tuple, w: np.ndarray, stride: int = 1, padding: int = 0) -> np.ndarray:
    import torch
    import torch.nn.functional as F

    size = int(np.prod(shape))
    basis = torch.eye(size, dtype=torch.float64).reshape(size, *shape)
    out = F.conv2d(basis, torch.from_numpy(w), stride=stride, padding=padding)
    return out.reshape(size, -1).T.numpy()


_torch_matrix.needs_torch = True  # type: ignore[attr-defined]
_torch_matrix.label = "torch"  # type: ignore[attr-defined]

_register(
    Exercise(
        "conv_matrix",
        "06",
        "the matrix C with conv2d(x).ravel() == C @ x.ravel() for one image (C, H, W)",
        "conv_matrix(input_shape, weight, stride=1, padding=0)",
        {
            "c_in": (1, 2),
            "c_out": (1, 2),
            "h": (1, 5),
            "w": (1, 5),
            "k": (1, 3),
            "s": (1, 2),
            "p": (0, 1),
            "seed": (0, 1000),
        },
        _matrix_case,
        lambda shape, w, **k: conv_matrix(shape, w, dense=True, **k),
        _torch_matrix,
        cases=30,
        arg_names=("input_shape", "weight"),
        mistakes=(
            Mistake(
                "the matrix is transposed: C has one row per output cell and one column per "
                "input cell, shape (C_out*H_out*W_out, C_in*H*W).",
                lambda a, k, e, o: _same(np.asarray(o), e.T),
            ),
            _variant(
                FLIPPED,
                lambda shape, w, **k: conv_matrix(shape, _flip_last(w, 2), dense=True, **k),
            ),
        ),
    )
)


# chapter 7: dilation and receptive fields


def _rf_case(p: Params) -> tuple[tuple, dict]:
    layers = [Layer(p[f"k{j}"], p[f"s{j}"], 0, p[f"d{j}"]) for j in range(1, p["layers"] + 1)]
    return (layers,), {}


def _rf_variant(
    *, strides: bool = True, dilation: bool = True, own_stride: bool = False
) -> Callable:
    def fn(layers: list[Layer]) -> int:
        r, jump = 1, 1
        for layer in layers:
            span = (layer.dilation if dilation else 1) * (layer.kernel_size - 1)
            if own_stride:
                jump *= layer.stride if strides else 1
            r += span * jump
            if not own_stride:
                jump *= layer.stride if strides else 1
        return r

    return fn


def _rf_normalize(value: Any) -> Any:
    if hasattr(value, "size") and not isinstance(value, np.ndarray):
        value = value.size
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    return value


_rf_space: dict[str, tuple[int, int]] = {"layers": (1, 4)}
for _j in range(1, 5):
    _rf_space.update({f"k{_j}": (1, 4), f"s{_j}": (1, 3), f"d{_j}": (1, 3)})

_register(
    Exercise(
        "receptive_field",
        "07",
        "receptive field size r of a stack of 1-D layers (cv.Layer: .kernel_size, .stride, .dilation)",
        "receptive_field(layers)",
        _rf_space,
        _rf_case,
        lambda layers: receptive_field(layers).size[0],
        _numpy(_rf_variant()),
        kind="int",
        cases=150,
        arg_names=("layers",),
        normalize=_rf_normalize,
        mistakes=(
            _value(
                "the strides are ignored: each layer's reach (k' - 1) is multiplied by the "
                "product of the strides of the layers *before* it.",
                _rf_variant(strides=False),
            ),
            _value(
                "a layer's own stride is included: layer j grows r by (k'_j - 1) S_{j-1}, "
                "where S_{j-1} is the product of the earlier strides only.",
                _rf_variant(own_stride=True),
            ),
            _value(
                "dilation is ignored: a dilated kernel spans k' = d(k - 1) + 1 cells.",
                _rf_variant(dilation=False),
            ),
        ),
    )
)


def _dilate_kernel(weight: np.ndarray, dilation: int) -> np.ndarray:
    c_out, c_in, kh, kw = weight.shape
    out = np.zeros((c_out, c_in, dilation * (kh - 1) + 1, dilation * (kw - 1) + 1))
    out[:, :, ::dilation, ::dilation] = weight
    return out


def _dilate_kernel_check(weight: np.ndarray, dilation: int) -> np.ndarray:
    """Independent: the dilated kernel is the response of conv2d(dilation=d) to one impulse."""
    c_out, c_in = weight.shape[:2]
    big = _dilate_kernel(np.ones_like(weight), dilation).shape[2:]
    out = np.zeros((c_out, c_in, *big))
    for c in range(c_in):
        for r in range(big[0]):
            for s in range(big[1]):
                x = np.zeros((1, c_in, *big))
                x[0, c, r, s] = 1
                out[:, c, r, s] = conv2d(x, weight, dilation=dilation)[0, :, 0, 0]
    return out


_register(
    Exercise(
        "dilate_kernel",
        "07",
        "insert d - 1 zeros between the taps of a kernel (OIHW), so a plain conv equals a dilated one",
        "dilate_kernel(weight, dilation)",
        {
            "c_out": (1, 2),
            "c_in": (1, 2),
            "kh": (1, 4),
            "kw": (1, 4),
            "d": (1, 3),
            "seed": (0, 1000),
        },
        lambda p: (
            (*_values(p["seed"], (p["c_out"], p["c_in"], p["kh"], p["kw"])), p["d"]),
            {},
        ),
        _dilate_kernel,
        _numpy(_dilate_kernel_check),
        arg_names=("weight", "dilation"),
        mistakes=(
            Mistake(
                "d zeros were inserted between taps; a dilation of d leaves d - 1 zeros, "
                "so the kernel spans d(k - 1) + 1 cells.",
                lambda a, k, e, o: (
                    np.shape(o)[2:] == tuple(kk + (kk - 1) * a[1] for kk in a[0].shape[2:])
                ),
            ),
            Mistake(
                "zeros were added after the last tap too: the kernel spans d(k - 1) + 1 "
                "cells, not d*k.",
                lambda a, k, e, o: np.shape(o)[2:] == tuple(kk * a[1] for kk in a[0].shape[2:]),
            ),
        ),
    )
)


# chapter 8: depthwise and depthwise separable


def _depthwise_case(p: Params) -> tuple[tuple, dict]:
    x, w = _values(p["seed"], (p["n"], p["c"], p["h"], p["w"]), (p["c"], 1, p["k"], p["k"]))
    return (x, w), {"stride": p["s"], "padding": p["p"]}


def _depthwise_torch(x: np.ndarray, w: np.ndarray, **k: Any) -> np.ndarray:
    import torch
    import torch.nn.functional as F

    t = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), groups=x.shape[1], **k)
    return t.numpy()


_depthwise_torch.needs_torch = True  # type: ignore[attr-defined]
_depthwise_torch.label = "torch"  # type: ignore[attr-defined]

_dw_space = {
    "n": (1, 2),
    "c": (1, 4),
    "h": (1, 6),
    "w": (1, 6),
    "k": (1, 3),
    "s": (1, 2),
    "p": (0, 1),
    "seed": (0, 1000),
}

_register(
    Exercise(
        "depthwise",
        "08",
        "depthwise convolution: channel c of the output is channel c of x with its own kernel",
        "depthwise(x, weight, stride=1, padding=0)",
        _dw_space,
        _depthwise_case,
        lambda x, w, **k: conv2d(x, w, groups=x.shape[1], **k),
        _depthwise_torch,
        arg_names=("x", "weight"),
        mistakes=(
            _variant(
                FLIPPED,
                lambda x, w, **k: conv2d(x, _flip_last(w, 2), groups=x.shape[1], **k),
            ),
            Mistake(
                "the channels were summed: a depthwise convolution keeps every channel "
                "apart, the output has C channels.",
                lambda a, k, e, o: np.shape(o)[1] == 1 and a[0].shape[1] > 1,
            ),
            Mistake(OFF_BY_ONE, _off_by_one),
        ),
    )
)


def _sep_case(p: Params) -> tuple[tuple, dict]:
    x, dw, pw = _values(
        p["seed"],
        (p["n"], p["c"], p["h"], p["w"]),
        (p["c"], 1, p["k"], p["k"]),
        (p["c_out"], p["c"], 1, 1),
    )
    return (x, dw, pw), {"stride": p["s"], "padding": p["p"]}


def _separable(
    x: np.ndarray, dw: np.ndarray, pw: np.ndarray, stride: int = 1, padding: int = 0
) -> np.ndarray:
    return conv2d(conv2d(x, dw, stride=stride, padding=padding, groups=x.shape[1]), pw)


def _separable_torch(
    x: np.ndarray, dw: np.ndarray, pw: np.ndarray, stride: int = 1, padding: int = 0
) -> np.ndarray:
    import torch
    import torch.nn.functional as F

    t = F.conv2d(
        torch.from_numpy(x), torch.from_numpy(dw), stride=stride, padding=padding, groups=x.shape[1]
    )
    return F.conv2d(t, torch.from_numpy(pw)).numpy()


_separable_torch.needs_torch = True  # type: ignore[attr-defined]
_separable_torch.label = "torch"  # type: ignore[attr-defined]

_register(
    Exercise(
        "depthwise_separable",
        "08",
        "depthwise k x k convolution (groups=C) followed by a pointwise 1x1 convolution",
        "depthwise_separable(x, depthwise_weight, pointwise_weight, stride=1, padding=0)",
        {**_dw_space, "c_out": (1, 4)},
        _sep_case,
        _separable,
        _separable_torch,
        arg_names=("x", "depthwise_weight", "pointwise_weight"),
        mistakes=(
            _variant(
                "the pointwise step ran first: the depthwise k x k filters act on the "
                "input channels, then the 1x1 mixes them.",
                lambda x, dw, pw, stride=1, padding=0: conv2d(
                    conv2d(x, pw), dw, stride=stride, padding=padding, groups=pw.shape[0]
                ),
            ),
            _variant(
                FLIPPED,
                lambda x, dw, pw, **k: _separable(x, _flip_last(dw, 2), pw, **k),
            ),
            Mistake(OFF_BY_ONE, _off_by_one),
        ),
    )
)


# chapter 9: flattened and spatially separable


def _spatial_case(p: Params) -> tuple[tuple, dict]:
    x, col, row = _values(p["seed"], (p["h"], p["w"]), (p["kh"],), (p["kw"],))
    return (x, col, row), {}


def _spatial_torch(x: np.ndarray, col: np.ndarray, row: np.ndarray) -> np.ndarray:
    import torch
    import torch.nn.functional as F

    w = torch.from_numpy(np.outer(col, row))[None, None]
    return F.conv2d(torch.from_numpy(x)[None, None], w)[0, 0].numpy()


_spatial_torch.needs_torch = True  # type: ignore[attr-defined]
_spatial_torch.label = "torch"  # type: ignore[attr-defined]

_register(
    Exercise(
        "spatially_separable",
        "09",
        "'valid' cross-correlation of an image with the kernel outer(column, row), in two 1-D passes",
        "spatially_separable(x, column, row)",
        {"h": (1, 7), "w": (1, 7), "kh": (1, 3), "kw": (1, 3), "seed": (0, 1000)},
        _spatial_case,
        lambda x, col, row: correlate2d(x, np.outer(col, row)),
        _spatial_torch,
        arg_names=("x", "column", "row"),
        mistakes=(
            _variant(
                "column and row are swapped: the column vector runs down the rows (H), the "
                "kernel is outer(column, row) with shape (len(column), len(row)).",
                lambda x, col, row: correlate2d(x, np.outer(row, col)),
            ),
            _variant(
                FLIPPED,
                lambda x, col, row: correlate2d(x, np.outer(col[::-1], row[::-1])),
            ),
        ),
    )
)


def _flat_case(p: Params) -> tuple[tuple, dict]:
    x, c, v, h = _values(
        p["seed"],
        (p["n"], p["c_in"], p["h"], p["w"]),
        (p["c_out"], p["c_in"]),
        (p["c_out"], p["kh"]),
        (p["c_out"], p["kw"]),
    )
    return (x, c, v, h), {}


def _flat_weight(c: np.ndarray, v: np.ndarray, h: np.ndarray) -> np.ndarray:
    return c[:, :, None, None] * v[:, None, :, None] * h[:, None, None, :]


def _flat_numpy(x: np.ndarray, c: np.ndarray, v: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Independent: the full 3-D filter applied window by window with NumPy."""
    from numpy.lib.stride_tricks import sliding_window_view

    weight = _flat_weight(c, v, h)
    win = sliding_window_view(x, weight.shape[2:], axis=(2, 3))  # (N, C, Ho, Wo, kh, kw)
    return np.einsum("ncabrs,ocrs->noab", win, weight)


_register(
    Exercise(
        "flattened",
        "09",
        "flattened convolution: a 1x1 across channels, then k_h x 1, then 1 x k_w, per output channel",
        "flattened(x, c, v, h)",
        {
            "n": (1, 2),
            "c_in": (1, 3),
            "c_out": (1, 3),
            "h": (1, 6),
            "w": (1, 6),
            "kh": (1, 3),
            "kw": (1, 3),
            "seed": (0, 1000),
        },
        _flat_case,
        lambda x, c, v, h: conv2d(x, _flat_weight(c, v, h)),
        _numpy(_flat_numpy),
        arg_names=("x", "c", "v", "h"),
        mistakes=(
            _variant(
                "v and h are swapped: v (length k_h) runs down the rows, h (length k_w) "
                "along the columns.",
                lambda x, c, v, h: conv2d(x, _flat_weight(c, h, v)),
            ),
            _variant(
                FLIPPED,
                lambda x, c, v, h: conv2d(x, _flat_weight(c, v[:, ::-1], h[:, ::-1])),
            ),
        ),
    )
)


# chapter 10: grouped convolution


def _grouped_case(p: Params) -> tuple[tuple, dict]:
    g = p["g"]
    x, w = _values(
        p["seed"],
        (p["n"], p["cig"] * g, p["h"], p["w"]),
        (p["cog"] * g, p["cig"], p["k"], p["k"]),
    )
    return (x, w), {"groups": g}


def _grouped_wrong(
    x: np.ndarray, w: np.ndarray, groups: int, *, inp: bool, out: bool
) -> np.ndarray:
    c_in, c_out = x.shape[1], w.shape[0]
    cig, cog = c_in // groups, c_out // groups
    ys = []
    for o in range(c_out):
        group = o % groups if out else o // cog
        chans = (
            list(range(group, c_in, groups)) if inp else list(range(group * cig, (group + 1) * cig))
        )
        ys.append(conv2d(x[:, chans], w[o : o + 1]))
    return np.concatenate(ys, axis=1)


GROUPS_WRONG = (
    "the groups are sliced wrongly: group j is the *contiguous* block of input channels "
    "j*C_in/g .. (j+1)*C_in/g - 1, and output channels j*C_out/g .. (j+1)*C_out/g - 1 use it."
)
_grouped_space = {
    "n": (1, 2),
    "g": (1, 3),
    "cig": (1, 2),
    "cog": (1, 2),
    "h": (1, 5),
    "w": (1, 5),
    "k": (1, 3),
    "seed": (0, 1000),
}

_register(
    Exercise(
        "grouped_conv2d",
        "10",
        "grouped 2-D convolution: g independent convolutions on g blocks of channels",
        "grouped_conv2d(x, weight, groups)",
        _grouped_space,
        _grouped_case,
        lambda x, w, groups: conv2d(x, w, groups=groups),
        _torch("conv2d"),
        arg_names=("x", "weight"),
        mistakes=(
            _variant(
                GROUPS_WRONG, lambda x, w, groups: _grouped_wrong(x, w, groups, inp=True, out=False)
            ),
            _variant(
                GROUPS_WRONG, lambda x, w, groups: _grouped_wrong(x, w, groups, inp=False, out=True)
            ),
            _variant(
                GROUPS_WRONG, lambda x, w, groups: _grouped_wrong(x, w, groups, inp=True, out=True)
            ),
            _variant(FLIPPED, lambda x, w, groups: conv2d(x, _flip_last(w, 2), groups=groups)),
        ),
    )
)


def _input_channels_case(p: Params) -> tuple[tuple, dict]:
    if p["o"] >= p["cog"] * p["g"]:
        return _invalid("o out of range")
    return (p["o"], p["cig"] * p["g"], p["cog"] * p["g"], p["g"]), {}


def _input_channels(o: int, in_channels: int, out_channels: int, groups: int) -> list[int]:
    group = o // (out_channels // groups)
    size = in_channels // groups
    return list(range(group * size, (group + 1) * size))


def _input_channels_brute(o: int, in_channels: int, out_channels: int, groups: int) -> list[int]:
    """Independent: the input channels whose impulse reaches output channel o."""
    w = np.ones((out_channels, in_channels // groups, 1, 1))
    seen = []
    for c in range(in_channels):
        x = np.zeros((1, in_channels, 1, 1))
        x[0, c] = 1
        if conv2d(x, w, groups=groups)[0, o, 0, 0] != 0:
            seen.append(c)
    return seen


_register(
    Exercise(
        "input_channels",
        "10",
        "the input channels that output channel o of a grouped convolution reads",
        "input_channels(o, in_channels, out_channels, groups)",
        {"g": (1, 4), "cig": (1, 3), "cog": (1, 3), "o": (0, 11)},
        _input_channels_case,
        _input_channels,
        _numpy(_input_channels_brute),
        kind="ints",
        cases=150,
        arg_names=("o", "in_channels", "out_channels", "groups"),
        mistakes=(
            _value(
                GROUPS_WRONG,
                lambda o, ci, co, g: list(range(o // (co // g), ci, g)),
            ),
            _value(
                GROUPS_WRONG,
                lambda o, ci, co, g: list(range((o % g) * (ci // g), (o % g + 1) * (ci // g))),
            ),
            _value(
                "groups are ignored: with g groups an output channel reads only C_in / g "
                "input channels.",
                lambda o, ci, co, g: list(range(ci)),
            ),
        ),
    )
)


# chapter 11: channel shuffle


def _shuffle_case(p: Params) -> tuple[tuple, dict]:
    g = p["g"]
    (x,) = _values(p["seed"], (p["n"], g * p["per"], p["h"], p["w"]))
    x = x + 10 * np.arange(x.shape[1])[None, :, None, None]  # channels tell themselves apart
    return (x, g), {}


def _shuffle_torch(x: np.ndarray, groups: int) -> np.ndarray:
    import torch
    import torch.nn.functional as F

    return F.channel_shuffle(torch.from_numpy(x), groups).numpy()


_shuffle_torch.needs_torch = True  # type: ignore[attr-defined]
_shuffle_torch.label = "torch"  # type: ignore[attr-defined]

SHUFFLE_WRONG = (
    "the shuffle is transposed the wrong way: reshape the channels to (g, C/g), "
    "transpose to (C/g, g), flatten; output channel q comes from input channel "
    "(q % g) * (C/g) + q // g."
)

_register(
    Exercise(
        "channel_shuffle",
        "11",
        "ShuffleNet's channel shuffle: reshape channels to (g, C/g), transpose, flatten",
        "channel_shuffle(x, groups)",
        {"n": (1, 2), "g": (1, 4), "per": (1, 4), "h": (1, 3), "w": (1, 3), "seed": (0, 1000)},
        _shuffle_case,
        channel_shuffle,
        _shuffle_torch,
        arg_names=("x", "groups"),
        mistakes=(
            _variant(SHUFFLE_WRONG, lambda x, g: channel_shuffle(x, x.shape[1] // g)),
            _variant(
                "the channels are unchanged: the shuffle must interleave the groups.",
                lambda x, g: x,
            ),
        ),
    )
)


def _permutation(channels: int, groups: int) -> list[int]:
    x = np.arange(channels, dtype=np.float64).reshape(1, channels, 1, 1)
    return [int(v) for v in channel_shuffle(x, groups).ravel()]


_register(
    Exercise(
        "shuffle_permutation",
        "11",
        "for each output channel of channel_shuffle, the input channel it comes from",
        "shuffle_permutation(channels, groups)",
        {"g": (1, 6), "per": (1, 6)},
        lambda p: ((p["g"] * p["per"], p["g"]), {}),
        _permutation,
        _numpy(lambda c, g: [(q % g) * (c // g) + q // g for q in range(c)]),
        kind="ints",
        cases=36,
        arg_names=("channels", "groups"),
        mistakes=(
            _value(SHUFFLE_WRONG, lambda c, g: _permutation(c, c // g)),
            _value(
                "the channels are unchanged: the shuffle interleaves the groups.",
                lambda c, g: list(range(c)),
            ),
        ),
    )
)


# chapter 12: pointwise grouped convolution


def _pwg_case(p: Params) -> tuple[tuple, dict]:
    g = p["g"]
    x, w = _values(
        p["seed"], (p["n"], p["cig"] * g, p["h"], p["w"]), (p["cog"] * g, p["cig"], 1, 1)
    )
    return (x, w), {"groups": g}


_register(
    Exercise(
        "pointwise_grouped",
        "12",
        "ShuffleNet's pointwise group convolution: a 1x1 convolution with g groups",
        "pointwise_grouped(x, weight, groups)",
        {**_grouped_space, "k": (1, 1)},
        _pwg_case,
        lambda x, w, groups: conv2d(x, w, groups=groups),
        _torch("conv2d"),
        arg_names=("x", "weight"),
        mistakes=(
            _variant(
                GROUPS_WRONG, lambda x, w, groups: _grouped_wrong(x, w, groups, inp=True, out=False)
            ),
            _variant(
                GROUPS_WRONG, lambda x, w, groups: _grouped_wrong(x, w, groups, inp=False, out=True)
            ),
            _variant(
                GROUPS_WRONG, lambda x, w, groups: _grouped_wrong(x, w, groups, inp=True, out=True)
            ),
        ),
    )
)


def _pwg_macs_case(p: Params) -> tuple[tuple, dict]:
    g = p["g"]
    return ((p["n"], p["cig"] * g, p["h"], p["w"]), p["cog"] * g, g), {}


_register(
    Exercise(
        "pointwise_grouped_macs",
        "12",
        "multiply-accumulates of a pointwise group convolution on an (N, C_in, H, W) input",
        "pointwise_grouped_macs(input_shape, out_channels, groups)",
        {"n": (1, 3), "g": (1, 4), "cig": (1, 8), "cog": (1, 8), "h": (1, 8), "w": (1, 8)},
        _pwg_macs_case,
        lambda shape, co, g: pointwise_grouped_cost(shape, co, g, bias=False).macs,
        _numpy(lambda shape, co, g: shape[0] * shape[2] * shape[3] * (shape[1] // g) * co),
        kind="int",
        cases=150,
        arg_names=("input_shape", "out_channels", "groups"),
        mistakes=(
            _value(
                "groups are ignored: each output channel reads only C_in / g channels, so "
                "the count is g times smaller than a dense 1x1.",
                lambda shape, co, g: shape[0] * shape[2] * shape[3] * shape[1] * co,
            ),
            _value(
                "divided by g twice: C_out output channels each read C_in / g inputs, "
                "N H W C_in C_out / g in all.",
                lambda shape, co, g: shape[0] * shape[2] * shape[3] * shape[1] * co // (g * g),
            ),
            _value(
                "the batch is missing: every image of the batch costs the same.",
                lambda shape, co, g: shape[2] * shape[3] * (shape[1] // g) * co,
            ),
        ),
    )
)


# chapter 13: counting


def _macs_case(p: Params) -> tuple[tuple, dict]:
    g = p["g"]
    return ((p["n"], p["cig"] * g, p["h"], p["w"]), p["cog"] * g, p["k"]), {
        "stride": p["s"],
        "padding": p["p"],
        "groups": g,
    }


def _macs_brute(
    shape: tuple, co: int, k: int, stride: int = 1, padding: int = 0, groups: int = 1
) -> int:
    out = conv_output_shape(shape[2:], k, stride, padding)
    return shape[0] * co * out[0] * out[1] * (shape[1] // groups) * k * k


_macs_brute = _numpy(_macs_brute)

_register(
    Exercise(
        "macs",
        "13",
        "multiply-accumulates of one conv2d layer (padding taps counted, no bias)",
        "macs(input_shape, out_channels, kernel_size, stride=1, padding=0, groups=1)",
        {
            "n": (1, 2),
            "g": (1, 3),
            "cig": (1, 4),
            "cog": (1, 4),
            "h": (1, 9),
            "w": (1, 9),
            "k": (1, 4),
            "s": (1, 3),
            "p": (0, 2),
        },
        _macs_case,
        lambda shape, co, k, **kw: conv_cost(shape, co, k, bias=False, **kw).macs,
        _macs_brute,
        kind="int",
        cases=150,
        arg_names=("input_shape", "out_channels", "kernel_size"),
        mistakes=(
            _value(
                "groups are ignored: each filter reads C_in / g channels, so the count "
                "is divided by g.",
                lambda shape, co, k, groups=1, **kw: _macs_brute(shape, co, k, **kw),
            ),
            _value(
                "this counts FLOPs (2 per multiply-accumulate), not MACs.",
                lambda *a, **kw: 2 * _macs_brute(*a, **kw),
            ),
            _value(
                "the input size is used instead of the output size: the kernel visits "
                "H_out x W_out positions, which stride and padding change.",
                lambda shape, co, k, stride=1, padding=0, groups=1: (
                    shape[0] * co * shape[2] * shape[3] * (shape[1] // groups) * k * k
                ),
            ),
            _value(
                "the batch is missing: every image of the batch costs the same.",
                lambda shape, co, k, **kw: _macs_brute((1, *shape[1:]), co, k, **kw),
            ),
        ),
    )
)


def _dsm_case(p: Params) -> tuple[tuple, dict]:
    return ((p["n"], p["c"], p["h"], p["w"]), p["co"], p["k"]), {
        "stride": p["s"],
        "padding": p["p"],
    }


def _dsm_brute(shape: tuple, co: int, k: int, stride: int = 1, padding: int = 0) -> int:
    out = conv_output_shape(shape[2:], k, stride, padding)
    positions = shape[0] * out[0] * out[1]
    return positions * shape[1] * k * k + positions * shape[1] * co


_register(
    Exercise(
        "depthwise_separable_macs",
        "13",
        "multiply-accumulates of a depthwise separable layer (depthwise k x k, then 1x1)",
        "depthwise_separable_macs(input_shape, out_channels, kernel_size, stride=1, padding=0)",
        {
            "n": (1, 2),
            "c": (1, 8),
            "co": (1, 8),
            "h": (1, 9),
            "w": (1, 9),
            "k": (1, 4),
            "s": (1, 3),
            "p": (0, 2),
        },
        _dsm_case,
        lambda shape, co, k, **kw: depthwise_separable_cost(shape, co, k, bias=False, **kw).macs,
        _numpy(_dsm_brute),
        kind="int",
        cases=150,
        arg_names=("input_shape", "out_channels", "kernel_size"),
        mistakes=(
            _value(
                "the pointwise step is missing: after the depthwise k x k comes a 1x1 "
                "from C_in to C_out channels.",
                lambda shape, co, k, stride=1, padding=0: _dsm_brute(shape, 0, k, stride, padding),
            ),
            _value(
                "the depthwise step is missing: it costs C_in k^2 per output position.",
                lambda shape, co, k, stride=1, padding=0: (
                    _dsm_brute(shape, co, k, stride, padding)
                    - _dsm_brute(shape, 0, k, stride, padding)
                ),
            ),
            _value(
                "the depthwise step is counted as a full convolution: each depthwise filter "
                "reads one channel, not C_in.",
                lambda shape, co, k, stride=1, padding=0: (
                    _dsm_brute(shape, co, k, stride, padding)
                    + _dsm_brute(shape, 0, k, stride, padding) * (shape[1] - 1)
                ),
            ),
        ),
    )
)


# chapter 14: errata


def _ct_size_case(p: Params) -> tuple[tuple, dict]:
    return (p["i"], p["k"]), {
        "stride": p["s"],
        "padding": p["p"],
        "output_padding": p["a"],
        "dilation": p["d"],
    }


def _ct_size(
    i: int, k: int, stride: int = 1, padding: int = 0, output_padding: int = 0, dilation: int = 1
) -> int:
    if output_padding >= max(stride, dilation):
        raise ValueError("output_padding must be smaller than stride or dilation")
    return conv_transpose_output_size(i, k, stride, padding, output_padding, dilation)


_register(
    Exercise(
        "conv_transpose_output_size",
        "14",
        "output size of a transposed convolution, o = (i - 1)s - 2p + d(k - 1) + a + 1",
        "conv_transpose_output_size(size, kernel_size, stride=1, padding=0, output_padding=0, dilation=1)",
        {"i": (1, 8), "k": (1, 5), "s": (1, 4), "p": (0, 3), "a": (0, 3), "d": (1, 3)},
        _ct_size_case,
        _ct_size,
        _numpy(
            lambda i, k, stride=1, padding=0, output_padding=0, dilation=1: _torch_or_formula(
                i, k, stride, padding, output_padding, dilation
            )
        ),
        kind="int",
        cases=200,
        arg_names=("size", "kernel_size"),
        mistakes=(
            _value(
                "output_padding is ignored: it adds a cells at the end, which is how a "
                "transposed convolution reaches every size a stride-s convolution maps to i.",
                lambda i, k, stride=1, padding=0, output_padding=0, dilation=1: _ct_size(
                    i, k, stride, padding, 0, dilation
                ),
            ),
            _value(
                "the padding is subtracted once: p is removed from both ends, 2p in all.",
                lambda i, k, stride=1, padding=0, output_padding=0, dilation=1: (
                    (i - 1) * stride - padding + dilation * (k - 1) + output_padding + 1
                ),
            ),
            _value(
                "dilation is ignored: a dilated kernel spans d(k - 1) + 1 cells.",
                lambda i, k, stride=1, padding=0, output_padding=0, dilation=1: (
                    (i - 1) * stride - 2 * padding + (k - 1) + output_padding + 1
                ),
            ),
        ),
    )
)


def _torch_or_formula(i: int, k: int, s: int, p: int, a: int, d: int) -> int:
    """Independent: the length of a transposed convolution's output, by running it."""
    x = np.ones((1, 1, i))
    w = np.ones((1, 1, k))
    from convviz.transposed import conv_transpose1d

    return int(conv_transpose1d(x, w, stride=s, padding=p, output_padding=a, dilation=d).shape[-1])


_register(
    Exercise(
        "spatially_separable_macs",
        "14",
        "multiplications of an m x 1 then 1 x m convolution on an N x N image (valid, stride 1)",
        "spatially_separable_macs(N, m)",
        {"n": (1, 12), "m": (1, 5)},
        lambda p: ((p["n"], p["m"]), {}) if p["m"] <= p["n"] else _invalid("m > N"),
        spatially_separable_macs_square,
        _numpy(lambda n, m: n * (n - m + 1) * m + (n - m + 1) ** 2 * m),
        kind="int",
        cases=60,
        arg_names=("N", "m"),
        mistakes=(
            _value(
                "this is the article's N - 2, right only for m = 3: an m x 1 kernel leaves "
                "N - m + 1 rows.",
                lambda n, m: n * (n - 2) * m + (n - 2) ** 2 * m,
            ),
            _value(
                "the second pass runs over N x (N - m + 1), as if nothing shrank: after the "
                "m x 1 pass the map is (N - m + 1) x N, then (N - m + 1)^2 after the 1 x m.",
                lambda n, m: 2 * n * (n - m + 1) * m,
            ),
        ),
    )
)


# chapter 15: the gradient of a convolution


#: Both gradient exercises draw from the same settings.
_GRAD_SPACE = {
    "n": (1, 2),
    "c_in": (1, 3),
    "c_out": (1, 3),
    "h": (1, 7),
    "w": (1, 7),
    "kh": (1, 3),
    "kw": (1, 3),
    "s": (1, 3),
    "p": (0, 1),
    "d": (1, 2),
    "seed": (0, 1000),
}


def _grad_shapes(p: Params) -> tuple[tuple, tuple, tuple, dict]:
    """Input, weight and grad_output shapes of one conv2d setting, and its keywords."""
    s, pad, d = p["s"], p["p"], p["d"]
    out = [conv_output_size(i, k, s, pad, d) for i, k in ((p["h"], p["kh"]), (p["w"], p["kw"]))]
    x_shape = (p["n"], p["c_in"], p["h"], p["w"])
    w_shape = (p["c_out"], p["c_in"], p["kh"], p["kw"])
    return (
        x_shape,
        w_shape,
        (p["n"], p["c_out"], *out),
        {"stride": s, "padding": pad, "dilation": d},
    )


def _conv2d_weight_case(p: Params) -> tuple[tuple, dict]:
    x_shape, w_shape, gy_shape, kwargs = _grad_shapes(p)
    x, gy = _values(p["seed"], x_shape, gy_shape)
    return (x, w_shape, gy), kwargs


def _conv2d_input_case(p: Params) -> tuple[tuple, dict]:
    x_shape, w_shape, gy_shape, kwargs = _grad_shapes(p)
    w, gy = _values(p["seed"], w_shape, gy_shape)
    return (x_shape, w, gy), kwargs


def _torch_grad(fn_name: str) -> Callable[..., Any]:
    """``torch.nn.grad.<fn_name>`` on NumPy arrays (shapes pass through as they are)."""

    def run(*args: Any, **kwargs: Any) -> np.ndarray:
        import torch

        args = tuple(torch.from_numpy(a) if isinstance(a, np.ndarray) else a for a in args)
        return getattr(torch.nn.grad, fn_name)(*args, **kwargs).numpy()

    run.needs_torch = True  # type: ignore[attr-defined]
    run.label = "torch.nn.grad"  # type: ignore[attr-defined]
    return run


_register(
    Exercise(
        "conv2d_weight",
        "15",
        "gradient of conv2d with respect to its weight: the input correlated with grad_output",
        "conv2d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1)",
        _GRAD_SPACE,
        _conv2d_weight_case,
        conv2d_weight,
        _torch_grad("conv2d_weight"),
        arg_names=("input", "weight_size", "grad_output"),
        mistakes=(
            _variant(
                "the batch is not summed: dw[o, c, t] = sum over n AND r of "
                "x_pad[n, c, s r + d t] gy[n, o, r], every image adds to the same weights.",
                lambda x, ws, gy, **k: conv2d_weight(x[:1], ws, gy[:1], **k),
            ),
            _variant(
                "the result is flipped (a convolution instead of a correlation): tap t "
                "multiplies the input cell s r + d t, not s r - d t.",
                lambda x, ws, gy, **k: _flip_last(conv2d_weight(x, ws, gy, **k), 2),
            ),
            _variant(
                "the channel axes are swapped: the weight gradient has shape "
                "(C_out, C_in, kH, kW), its first index from grad_output, its second from input.",
                lambda x, ws, gy, **k: conv2d_weight(x, ws, gy, **k).transpose(1, 0, 2, 3),
            ),
        ),
    )
)


_register(
    Exercise(
        "conv2d_input",
        "15",
        "gradient of conv2d with respect to its input: a transposed convolution of grad_output",
        "conv2d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1)",
        _GRAD_SPACE,
        _conv2d_input_case,
        conv2d_input,
        _torch_grad("conv2d_input"),
        arg_names=("input_size", "weight", "grad_output"),
        mistakes=(
            _variant(
                "the kernel is flipped: input cell s r + d t gets gy[r] * w[t], the weight as "
                "the forward pass used it (a transposed convolution does not flip).",
                lambda size, w, gy, **k: conv2d_input(size, _flip_last(w, 2), gy, **k),
            ),
        ),
    )
)
