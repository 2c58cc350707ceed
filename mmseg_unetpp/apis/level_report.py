"""The per-level trade-off of a deep-supervised UNet++: what each pruning
level (and accurate mode) costs and scores, which one to pick, and a plot.
"""
from dataclasses import asdict, dataclass
from typing import List, Optional, Sequence

import numpy as np
from matplotlib.figure import Figure


@dataclass
class LevelRow:
    """One prediction of the report: fast mode at a level, or accurate.

    Attributes:
        name (str): The level's name (``Levels(k).name``, ``'l2'``),
            ``'accurate'`` or the baseline's name.
        level (int, optional): k, or None for accurate mode.
        params (int): Parameters the prediction needs.
        gflops (float): GFLOPs of one forward at the report's input size.
        latency_ms (float): Median latency of one image, in ms.
        checkpoint_bytes (int): Size of its weights-only checkpoint (the
            pruned export for a level, every level for accurate).
        miou (float, optional): mIoU on the scored frames of the test set
            (None without a checkpoint).
        baseline (bool): Another model, measured alike for comparison
            (never recommended).
        select_miou (float, optional): mIoU on the frames the pick is made
            on, where they are not the scored ones.
    """
    name: str
    level: Optional[int]
    params: int
    gflops: float
    latency_ms: float
    checkpoint_bytes: int
    miou: Optional[float] = None
    baseline: bool = False
    select_miou: Optional[float] = None

    @property
    def choosing_miou(self) -> Optional[float]:
        """The mIoU the pick is made by: on the choosing frames if there
        are any, else on the scored ones."""
        return self.miou if self.select_miou is None else self.select_miou

    def to_json(self) -> dict:
        """The row as a JSON-ready dict (``mIoU`` as the key)."""
        row = asdict(self)
        row['mIoU'] = row.pop('miou')
        row['select_mIoU'] = row.pop('select_miou')
        return row


def recommend(rows: Sequence[LevelRow],
              tolerance: float = 1.0) -> Optional[LevelRow]:
    """The smallest level whose mIoU is within ``tolerance`` points of the
    best mIoU (accurate mode included, baselines not); accurate mode when
    no level is. The mIoUs are those of the choosing frames where the rows
    have them (:attr:`LevelRow.choosing_miou`).

    Args:
        rows (Sequence[LevelRow]): The report's rows.
        tolerance (float): mIoU points. Default: 1.0.

    Returns:
        LevelRow | None: The pick, or None when no row has an mIoU.
    """
    if tolerance < 0:
        raise ValueError(f'tolerance must be >= 0 mIoU points, got '
                         f'{tolerance}')
    scored = [
        row for row in rows
        if row.choosing_miou is not None and not row.baseline
    ]
    if not scored:
        return None
    best = max(row.choosing_miou for row in scored)
    within = [
        row for row in scored
        if row.level is not None and row.choosing_miou >= best - tolerance
    ]
    if within:
        return min(within, key=lambda row: row.level)
    return max(scored, key=lambda row: row.choosing_miou)


def plot_levels(rows: Sequence[LevelRow],
                path: str,
                title: str,
                pick: Optional[LevelRow] = None,
                tolerance: float = 1.0) -> None:
    """mIoU against latency and against GFLOPs, one labelled point per
    prediction, saved as a PNG.

    The levels are joined in order; accurate mode is a star, a baseline a
    black diamond; the recommended pick is circled and, where it was
    chosen on the plotted mIoUs, the band within ``tolerance`` of the best
    is shaded. Without mIoUs the y-axis is parameters.
    """
    scored = all(row.miou is not None for row in rows)
    fig = Figure(figsize=(11, 5), dpi=110, layout='constrained')
    axes = fig.subplots(1, 2, sharey=True)
    levels = [row for row in rows if row.level is not None]
    levels.sort(key=lambda row: row.level)
    accurate = [row for row in rows if row.level is None and not row.baseline]
    baselines = [row for row in rows if row.baseline]

    def y(row: LevelRow) -> float:
        return row.miou if scored else row.params / 1e6

    for ax, x, xlabel in ((axes[0], lambda r: r.latency_ms,
                           'latency per image (ms)'),
                          (axes[1], lambda r: r.gflops, 'GFLOPs per image')):
        ax.plot([x(r) for r in levels], [y(r) for r in levels], '-o',
                color='tab:blue', markersize=8, label='fast mode, level k')
        if accurate:
            ax.plot([x(r) for r in accurate], [y(r) for r in accurate], '*',
                    color='tab:red', markersize=15, label='accurate mode')
        for row in baselines:
            ax.plot([x(row)], [y(row)], 'D', color='black', markersize=9,
                    label=f'baseline: {row.name}')
        for row in rows:  # levels below right, the others above left
            above = row.level is None
            ax.annotate(row.name, (x(row), y(row)),
                        textcoords='offset points',
                        xytext=(-8, 8) if above else (8, -6),
                        ha='right' if above else 'left',
                        va='bottom' if above else 'top',
                        fontsize=11, fontweight='bold')
        if scored and pick is not None and pick.select_miou is None:
            best = max(r.miou for r in rows if not r.baseline)
            ax.axhspan(best - tolerance, best, color='tab:green', alpha=0.12,
                       label=f'within {tolerance:g} mIoU of the best')
        if scored and pick is not None:
            ax.plot([x(pick)], [y(pick)], 'o', markersize=20,
                    markerfacecolor='none', markeredgecolor='tab:green',
                    markeredgewidth=2.5,
                    label=f'recommended: {pick.name}')
        ax.set_xlabel(xlabel)
        ax.grid(True, alpha=0.3)
        xs = np.array([x(r) for r in rows])
        ax.set_xlim(0, xs.max() * 1.15)
        ax.margins(y=0.15)
    axes[0].set_ylabel('mIoU' if scored else 'parameters (M)')
    if not scored:
        title += ' (no checkpoint: parameters instead of mIoU)'
    fig.suptitle(title, fontsize=11)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc='outside lower center', ncols=4,
               fontsize=10, markerscale=0.7)
    fig.savefig(path)


def report_json(rows: Sequence[LevelRow], pick: Optional[LevelRow],
                tolerance: float, **info) -> dict:
    """``levels.json``: ``info`` (input size, device, ...), one entry per
    row and the recommendation."""
    recommendation: Optional[dict] = None
    if pick is not None:
        recommendation = dict(prediction=pick.name, level=pick.level,
                              tolerance=tolerance)
    rows_json: List[dict] = [row.to_json() for row in rows]
    return dict(info, rows=rows_json, recommendation=recommendation)
