"""The level report's pick and plot."""
import mmcv
import pytest

from mmseg_unetpp.apis.level_report import (
    LevelRow,
    plot_levels,
    recommend,
    report_json,
)


def rows(*mious):
    """Levels 1..n then accurate, with the given mIoUs."""
    *levels, accurate = mious
    out = [LevelRow(f'l{k}', k, 10**k, k, 10 * k, 100 * k, miou)
           for k, miou in enumerate(levels, 1)]
    return out + [LevelRow('accurate', None, 10**5, 5, 55, 500, accurate)]


@pytest.mark.parametrize('tolerance, pick', [(1.0, 'l3'), (0.0, 'l4'),
                                             (0.7, 'l4'), (15, 'l1')])
def test_smallest_level_within_tolerance_of_the_best(tolerance, pick):
    # The README's CPU-budget run: l1..l4, then accurate.
    assert recommend(rows(25.31, 28.48, 38.52, 39.27, 35.58),
                     tolerance).name == pick


def test_accurate_mode_when_no_level_is_close_enough():
    assert recommend(rows(30, 35, 40), 1.0).name == 'accurate'
    assert recommend(rows(30, 39.5, 40), 1.0).name == 'l2'


def test_the_pick_is_made_on_the_choosing_frames_where_there_are_some(
        tmp_path):
    report = rows(30.0, 40.0, 39.5)  # scored frames: l2 is the best
    for row, chosen_on in zip(report, (34.0, 33.0, 36.0)):
        row.select_miou = chosen_on  # choosing frames: l1 within 1 point
    pick = recommend(report, 2.0)
    assert pick.name == 'l1'
    plot_levels(report, str(tmp_path / 'levels.png'), 'title', pick, 2.0)
    assert report_json(report, pick, 2.0)['rows'][0]['select_mIoU'] == 34.0


def test_no_pick_without_scores_and_no_negative_tolerance():
    assert recommend(rows(None, None, None)) is None
    with pytest.raises(ValueError, match='tolerance must be >= 0'):
        recommend(rows(1, 2, 3), -1)


def test_json_and_plot(tmp_path):
    report = rows(25.31, 28.48, 38.52, 39.27, 35.58)
    pick = recommend(report, 1.0)
    data = report_json(report, pick, 1.0, device='cpu')
    assert data['device'] == 'cpu'
    assert data['recommendation'] == dict(prediction='l3', level=3,
                                          tolerance=1.0)
    assert data['rows'][2] == dict(name='l3', level=3, params=1000,
                                   gflops=3, latency_ms=30,
                                   checkpoint_bytes=300, mIoU=38.52,
                                   baseline=False, select_mIoU=None)
    for scored in (report, rows(None, None, None)):
        path = str(tmp_path / 'levels.png')
        plot_levels(scored, path, 'title', recommend(scored), 1.0)
        image = mmcv.imread(path)
        assert image.shape[1] > image.shape[0] > 300


def test_a_baseline_is_plotted_but_never_recommended(tmp_path):
    report = rows(25.0, 30.0, 34.0, 33.0)
    report.append(LevelRow('fpn', None, 900, 2, 15, 500, 36.0, True))
    pick = recommend(report, 1.0)
    assert pick.name == 'l3'  # the baseline's 36.0 is not the best
    path = str(tmp_path / 'levels.png')
    plot_levels(report, path, 'title', pick, 1.0)
    assert mmcv.imread(path).shape[1] > 1000
