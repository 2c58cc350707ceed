import pytest

from mmseg_unetpp.utils import ConfigError, inner_dataset, inner_datasets

CONCAT = dict(
    type='ConcatDataset',
    datasets=[
        dict(type='A', data_root='a'),
        dict(type='RepeatDataset', times=2, dataset=dict(type='B'))
    ])


def test_inner_datasets_reach_inside_every_wrapper():
    assert [(key, cfg['type']) for key, cfg in inner_datasets(
        CONCAT, 'train_dataloader.dataset')] == [
            ('train_dataloader.dataset.datasets.0', 'A'),
            ('train_dataloader.dataset.datasets.1.dataset', 'B'),
        ]


def test_inner_dataset_is_the_wrapped_one_and_refuses_a_concatenation():
    repeat = CONCAT['datasets'][1]
    key, cfg = inner_dataset(repeat, 'val_dataloader.dataset')
    assert key == 'val_dataloader.dataset.dataset'
    assert cfg is repeat['dataset']  # editable in place
    with pytest.raises(ConfigError, match=r'^val_dataloader.dataset '
                       r'concatenates 2 datasets; frames are picked'):
        inner_dataset(CONCAT, 'val_dataloader.dataset')
