"""A level, or a mean of consecutive levels: what one prediction of a
deep-supervised model averages."""
import functools
import re
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

PREDICTION_PREFIX = 'pred_sem_seg_'
_NAME = re.compile(r'l(\d+)(?:-l(\d+))?')


@functools.total_ordering
@dataclass(frozen=True)
class Levels:
    """Levels ``first`` .. ``last`` (one level when they are equal).

    Level k is the classifier branch on X(0, k). ``Levels(2)`` is level 2
    alone, ``Levels(2, 4)`` the mean of the probabilities of levels 2, 3
    and 4. One spelling serves everywhere: :attr:`name` (``'l2'``,
    ``'l2-l4'``) prefixes the metrics (``l2-l4.mIoU``) and names the
    data-sample field of the prediction (:attr:`key`,
    ``pred_sem_seg_l2-l4``).

    Levels sort single levels first, then means of 2, 3... levels, each by
    their first level: ``l1 < l2 < l1-l2 < l2-l3 < l1-l3``.

    Args:
        first (int): The shallowest level, >= 1.
        last (int, optional): The deepest level, >= ``first``.
            Default: ``first``.
    """
    first: int
    last: Optional[int] = None

    def __post_init__(self) -> None:
        if self.last is None:
            object.__setattr__(self, 'last', self.first)
        if not 1 <= self.first <= self.last:
            raise ValueError(f'levels must satisfy 1 <= first <= last, got '
                             f'first={self.first}, last={self.last}')

    @classmethod
    def parse(cls, name: str) -> 'Levels':
        """``Levels.parse('l2-l4') == Levels(2, 4)``.

        Raises:
            ValueError: for a string that is not a level name.
        """
        match = _NAME.fullmatch(name)
        if match is None:
            raise ValueError(f"a level name is 'l<k>' or 'l<a>-l<b>', got "
                             f'{name!r}')
        first, last = match.groups()
        return cls(int(first), None if last is None else int(last))

    @classmethod
    def spanning(cls, levels: Sequence[int]) -> 'Levels':
        """The Levels made of exactly ``levels`` (in any order).

        Raises:
            ValueError: when ``levels`` are empty or not consecutive.
        """
        levels = sorted(levels)
        if not levels or levels != list(range(levels[0], levels[-1] + 1)):
            raise ValueError(f'levels must be consecutive, e.g. [2, 3, 4], '
                             f'got {levels}')
        return cls(levels[0], levels[-1])

    @classmethod
    def from_key(cls, key: str) -> Optional['Levels']:
        """The Levels of a data-sample field ``pred_sem_seg_l2-l4``, or
        None for any other field."""
        if not key.startswith(PREDICTION_PREFIX):
            return None
        try:
            return cls.parse(key[len(PREDICTION_PREFIX):])
        except ValueError:
            return None

    @property
    def name(self) -> str:
        """``'l2'`` for one level, ``'l2-l4'`` for the mean of 2..4."""
        if self.first == self.last:
            return f'l{self.first}'
        return f'l{self.first}-l{self.last}'

    @property
    def key(self) -> str:
        """The data-sample field of this prediction:
        ``pred_sem_seg_l2-l4``."""
        return PREDICTION_PREFIX + self.name

    def metric_key(self, metric: str) -> str:
        """The key of one of its scores: ``'l2-l4.mIoU'`` for ``'mIoU'``."""
        return f'{self.name}.{metric}'

    @property
    def levels(self) -> Tuple[int, ...]:
        """Every level averaged: ``(2, 3, 4)``."""
        return tuple(range(self.first, self.last + 1))

    def __len__(self) -> int:
        return self.last - self.first + 1

    def __contains__(self, level: object) -> bool:
        return isinstance(level, int) and self.first <= level <= self.last

    def __lt__(self, other: 'Levels') -> bool:
        if not isinstance(other, Levels):
            return NotImplemented
        return (len(self), self.first) < (len(other), other.first)

    def __str__(self) -> str:
        return self.name


def level_runs(levels: Sequence[int]) -> List[Levels]:
    """Every run of consecutive levels among ``levels``, sorted: each
    level, then each mean of 2, 3... consecutive levels.

    ``level_runs([1, 2, 3])`` -> l1, l2, l3, l1-l2, l2-l3, l1-l3.
    """
    levels = sorted(levels)
    runs = [
        Levels(levels[a], levels[b]) for a in range(len(levels))
        for b in range(a, len(levels))
        if levels[b] - levels[a] == b - a
    ]
    return sorted(runs)
