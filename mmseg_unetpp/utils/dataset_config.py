"""The dataset configs of a dataloader, inside dataset wrappers."""
from typing import Iterator, List, Tuple

from .errors import ConfigError, UserError


def inner_datasets(dataset: dict,
                   key: str = 'dataset') -> Iterator[Tuple[str, dict]]:
    """Each dataset config inside the wrappers of ``dataset``, with its
    ``--cfg-options`` key. MMSeg's DRIVE base wraps its train set in a
    ``RepeatDataset`` (``train_dataloader.dataset.dataset``); a
    ``ConcatDataset`` has a list of ``datasets``.

    Args:
        dataset (dict): A dataloader's ``dataset`` config.
        key (str): Its key (``'train_dataloader.dataset'``).

    Yields:
        tuple[str, dict]: ``('train_dataloader.dataset.dataset', config)``
        for each dataset that wraps no other.
    """
    if dataset.get('datasets') is not None:
        for k, child in enumerate(dataset['datasets']):
            yield from inner_datasets(child, f'{key}.datasets.{k}')
    elif isinstance(dataset.get('dataset'), dict):
        yield from inner_datasets(dataset['dataset'], f'{key}.dataset')
    else:
        yield key, dataset


def inner_dataset(dataset: dict, key: str = 'dataset') -> Tuple[str, dict]:
    """The one dataset config inside the wrappers of ``dataset``, with its
    key (see :func:`inner_datasets`): where frames are picked by
    ``indices``.

    Raises:
        ConfigError: when ``dataset`` concatenates several.
    """
    found = list(inner_datasets(dataset, key))
    if len(found) != 1:
        raise ConfigError(
            f'{key} concatenates {len(found)} datasets; frames are picked '
            f'(indices) from one')
    return found[0]


def split_frames(num: int, share: float,
                 what: str) -> Tuple[List[int], List[int]]:
    """Frames of a set of ``num`` that choose (the first ``share`` of them,
    at least one) and those that are scored (the rest): a level or fusion
    chosen and scored on the same frames overstates what it scores on
    others.

    Args:
        num (int): Frames in the set.
        share (float): The choosing share, in (0, 1).
        what (str): The set, for the error (``'CONFIG: val'``).

    Returns:
        tuple[list[int], list[int]]: The choosing and the scored indices.

    Raises:
        UserError: when no frame is left to score.
    """
    select = max(1, round(share * num))
    if select >= num:
        raise UserError(f'{what}: --select-split {share} leaves no frame '
                        f'to score ({num} frames)')
    return list(range(select)), list(range(select, num))


def dataset_frames(cfg, loader: str) -> Tuple[str, int]:
    """The ``--cfg-options`` key of the ``indices`` of the set of ``cfg``'s
    ``loader`` (``'val_dataloader'``; inside dataset wrappers, see
    :func:`inner_dataset`) and its number of frames, from the built set
    (the one inside the wrappers: a ``RepeatDataset`` of the train set
    repeats the frames its ``indices`` pick).
    """
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    key, dataset = inner_dataset(cfg[loader].dataset, f'{loader}.dataset')
    return f'{key}.indices', len(DATASETS.build(dataset))
