"""Levels: one spelling of a level or mean of levels, from the name to the
data-sample field and the metric key, and back."""
import pytest

from mmseg_unetpp.structures import Levels, level_runs


def test_names_keys_and_parsing_round_trip():
    assert Levels(2).name == 'l2' and Levels(2, 2) == Levels(2)
    assert Levels(2, 4).name == 'l2-l4' and str(Levels(2, 4)) == 'l2-l4'
    assert Levels(2, 4).levels == (2, 3, 4) and len(Levels(2, 4)) == 3
    assert 3 in Levels(2, 4) and 1 not in Levels(2, 4)
    assert Levels(2, 4).key == 'pred_sem_seg_l2-l4'
    assert Levels(2).metric_key('mIoU') == 'l2.mIoU'
    for levels in (Levels(1), Levels(2, 4), Levels(10, 12)):
        assert Levels.parse(levels.name) == levels
        assert Levels.from_key(levels.key) == levels
    assert Levels.spanning([4, 2, 3]) == Levels(2, 4)


def test_other_fields_are_not_levels():
    for key in ('pred_sem_seg', 'seg_logits', 'pred_sem_seg_other',
                'gt_sem_seg_l2'):
        assert Levels.from_key(key) is None


@pytest.mark.parametrize('make, pattern', [
    (lambda: Levels(0), r'1 <= first <= last, got first=0'),
    (lambda: Levels(3, 2), r'got first=3, last=2'),
    (lambda: Levels.parse('L2'), r"'l<k>' or 'l<a>-l<b>', got 'L2'"),
    (lambda: Levels.parse('l2-4'), r"got 'l2-4'"),
    (lambda: Levels.spanning([1, 3]), r'consecutive.*got \[1, 3\]'),
    (lambda: Levels.spanning([]), r'consecutive.*got \[\]'),
])
def test_bad_levels_raise_value_error(make, pattern):
    with pytest.raises(ValueError, match=pattern):
        make()


def test_runs_sort_single_levels_first_then_by_size_and_first_level():
    assert [r.name for r in level_runs([1, 2, 3, 4])] == [
        'l1', 'l2', 'l3', 'l4', 'l1-l2', 'l2-l3', 'l3-l4', 'l1-l3', 'l2-l4',
        'l1-l4'
    ]
    assert sorted([Levels(1, 3), Levels(2), Levels(2, 3), Levels(1)]) == [
        Levels(1), Levels(2), Levels(2, 3), Levels(1, 3)
    ]
    assert level_runs([3]) == [Levels(3)]
