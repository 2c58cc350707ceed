"""``tools/dataset_converters/camvid.py``: its functions and its command
line, on tiny synthetic data."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import load_tool, run_command
from PIL import Image

from mmseg_unetpp.datasets.camvid import CLASSES, VOID_ID
from mmseg_unetpp.utils.errors import ConfigError
from mmseg_unetpp.utils.launch import run_tool

SCRIPT = (Path(__file__).resolve().parents[2] / 'tools' /
          'dataset_converters' / 'camvid.py')
camvid = load_tool('dataset_converters/camvid.py')


def cli(argv) -> int:
    """The tool's exit status (``check`` problems: 1, after the report)."""
    return run_tool(camvid.main, argv)


# The SegNet grouping written out independently of the module's table.
EXPECTED_GROUPS = {
    0: ['Sky'],
    1: ['Building', 'Wall', 'Bridge', 'Tunnel', 'Archway'],
    2: ['Column_Pole', 'TrafficCone'],
    3: ['Road', 'LaneMkgsDriv', 'LaneMkgsNonDriv'],
    4: ['Sidewalk', 'ParkingBlock', 'RoadShoulder'],
    5: ['Tree', 'VegetationMisc'],
    6: ['SignSymbol', 'Misc_Text', 'TrafficLight'],
    7: ['Fence'],
    8: ['Car', 'SUVPickupTruck', 'Truck_Bus', 'Train', 'OtherMoving'],
    9: ['Pedestrian', 'Child', 'CartLuggagePram', 'Animal'],
    10: ['Bicyclist', 'MotorcycleScooter'],
    11: ['Void'],
}
EXPECTED_ID = {
    name: label_id
    for label_id, names in EXPECTED_GROUPS.items() for name in names
}
# A few label_colors.txt entries, spelled out as a spot check of the table.
SPOT_COLOURS = {
    'Sky': (128, 128, 128),
    'Road': (128, 64, 128),
    'Void': (0, 0, 0),
    'Wall': (64, 192, 0),
    'TrafficCone': (0, 0, 64),
    'Bicyclist': (0, 128, 192),
}
UNKNOWN_COLOURS = [(1, 2, 3), (255, 255, 255), (128, 64, 129)]

RAW_SIZE = (24, 32)  # (height, width) of the synthetic "raw" frames


def _save_rgb(path: Path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array.astype(np.uint8)).save(path)


def _make_raw(root: Path, frames: dict) -> None:
    """Write a fake original release.

    ``frames`` maps stem -> (frame RGB array or None, label RGB array or
    None); ``None`` leaves that file out.
    """
    for stem, (frame, label) in frames.items():
        if frame is not None:
            _save_rgb(root / camvid.RAW_IMAGE_DIR / f'{stem}.png', frame)
        if label is not None:
            _save_rgb(root / camvid.RAW_LABEL_DIR / f'{stem}_L.png', label)
    (root / camvid.RAW_IMAGE_DIR).mkdir(parents=True, exist_ok=True)
    (root / camvid.RAW_LABEL_DIR).mkdir(parents=True, exist_ok=True)


def _uniform(colour, size=RAW_SIZE) -> np.ndarray:
    return np.broadcast_to(np.array(colour, np.uint8),
                           (*size, 3)).copy()


def _class_colour(label_id: int) -> tuple:
    """First table colour of an 11-class id."""
    return next(colour for _, colour, i in camvid.CAMVID_32_CLASSES
                if i == label_id)


def _numbered_frames(stems):
    """Frame k has grey level 10*k + 5 and a label of class k % 11."""
    return {
        stem: (_uniform((10 * k + 5, ) * 3), _uniform(_class_colour(k % 11)))
        for k, stem in enumerate(stems)
    }


def _write_lists(folder: Path, lists: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for split, lines in lists.items():
        (folder / f'{split}.txt').write_text('\n'.join(lines) + '\n')


def _read_label(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        assert im.mode == 'L'
        return np.asarray(im)


def _read_image(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        assert im.mode == 'RGB'
        return np.asarray(im)


# --------------------------------------------------------------- the table


def test_table_has_the_32_camvid_classes_grouped_like_segnet():
    names = [name for name, _, _ in camvid.CAMVID_32_CLASSES]
    colours = [colour for _, colour, _ in camvid.CAMVID_32_CLASSES]
    assert len(names) == 32 == len(set(names)) == len(set(colours))
    assert all(0 <= c <= 255 for colour in colours for c in colour)
    table_ids = {name: i for name, _, i in camvid.CAMVID_32_CLASSES}
    assert table_ids == EXPECTED_ID
    for name, colour in SPOT_COLOURS.items():
        assert colours[names.index(name)] == colour
    assert len(CLASSES) == VOID_ID == 11
    assert camvid.COLOUR_TO_ID == dict(zip(colours, table_ids.values()))


def test_colour_to_label_is_vectorised_and_rejects_bad_shapes():
    colours = [colour for _, colour, _ in camvid.CAMVID_32_CLASSES]
    rgb = np.array([colours + UNKNOWN_COLOURS], dtype=np.uint8)
    label, unknown = camvid.colour_to_label(rgb)
    expected = [EXPECTED_ID[name] for name, _, _ in camvid.CAMVID_32_CLASSES]
    assert label.dtype == np.uint8
    assert label.tolist() == [expected + [11] * len(UNKNOWN_COLOURS)]
    assert unknown == len(UNKNOWN_COLOURS)
    with pytest.raises(ValueError):
        camvid.colour_to_label(np.zeros((4, 4), np.uint8))


# ---------------------------------------------------------------- convert


def test_convert_maps_every_colour(tmp_path):
    # One 4x4 block per table colour, then unknown colours, rest unknown.
    block = 4
    # Expected ids come from EXPECTED_ID, not from the module's own table.
    colours = [(colour, EXPECTED_ID[name])
               for name, colour, _ in camvid.CAMVID_32_CLASSES]
    colours += [(colour, 11) for colour in UNKNOWN_COLOURS]
    rows, cols = 6, 6
    label = np.full((rows * block, cols * block, 3), 7, np.uint8)
    expected = np.full(label.shape[:2], 11, np.uint8)
    for k, (colour, label_id) in enumerate(colours):
        r, c = divmod(k, cols)
        window = np.s_[r * block:(r + 1) * block, c * block:(c + 1) * block]
        label[window] = colour
        expected[window] = label_id
    frame = np.random.default_rng(0).integers(0, 256, label.shape, np.uint8)
    raw, out = tmp_path / 'raw', tmp_path / 'out'
    _make_raw(raw, {'0001TP_006690': (frame, label)})

    report = camvid.convert(str(raw), str(out), size=None)

    got = _read_label(out / 'trainannot' / '0001TP_006690.png')
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(
        _read_image(out / 'train' / '0001TP_006690.png'), frame)
    assert report['written'] == {'train': 1}
    n_unknown = expected.size - 32 * block * block
    assert report['unknown_colour_pixels'] == n_unknown


@pytest.mark.parametrize('size', [(12, 16), (36, 40)])
def test_convert_honours_size(tmp_path, size):
    raw, out = tmp_path / 'raw', tmp_path / 'out'
    label = np.zeros((*RAW_SIZE, 3), np.uint8)
    label[:, :RAW_SIZE[1] // 2] = _class_colour(3)  # left half Road
    label[:, RAW_SIZE[1] // 2:] = _class_colour(0)  # right half Sky
    _make_raw(raw, {'a': (_uniform((50, 60, 70)), label)})

    argv = ['convert', str(raw), str(out), '--size', f'{size[0]}x{size[1]}']
    assert cli(argv) == 0

    image = _read_image(out / 'train' / 'a.png')
    ids = _read_label(out / 'trainannot' / 'a.png')
    assert image.shape == (*size, 3)
    assert ids.shape == size
    # Nearest neighbour keeps the ids (no blending of 3 and 0 into 1 or 2).
    assert set(np.unique(ids).tolist()) == {0, 3}
    assert (ids[:, :size[1] // 4] == 3).all()
    assert (ids[:, -(size[1] // 4):] == 0).all()
    # Bilinear on a uniform frame keeps its colour.
    assert (image == (50, 60, 70)).all()


def test_convert_default_size_is_360x480(tmp_path):
    raw, out = tmp_path / 'raw', tmp_path / 'out'
    _make_raw(raw, _numbered_frames(['a']))
    cli(['convert', str(raw), str(out)])
    assert _read_label(out / 'trainannot' / 'a.png').shape == (360, 480)
    assert _read_image(out / 'train' / 'a.png').shape == (360, 480, 3)


def test_convert_without_splits_puts_everything_in_train(tmp_path, capsys):
    raw, out = tmp_path / 'raw', tmp_path / 'out'
    stems = ['0001TP_006690', '0006R0_f02910', 'Seq05VD_f00000']
    frames = _numbered_frames(stems)
    frames['nolabel'] = (_uniform((1, 1, 1)), None)
    frames['noframe'] = (None, _uniform((0, 0, 0)))
    _make_raw(raw, frames)

    assert cli(['convert', str(raw), str(out), '--size', '6x8']) == 0

    assert (out / 'train.txt').read_text().split() == sorted(stems)
    assert not (out / 'val').exists() and not (out / 'val.txt').exists()
    printed = capsys.readouterr().out
    assert 'every frame went to train' in printed
    assert 'train 3' in printed
    assert 'nolabel' in printed and 'noframe' in printed


def test_convert_respects_split_lists_and_pairs_line_up(tmp_path):
    raw, out, lists = tmp_path / 'raw', tmp_path / 'out', tmp_path / 'lists'
    stems = [f'0016E5_{k:05d}' for k in range(7)]
    _make_raw(raw, _numbered_frames(stems))
    _write_lists(
        lists, {
            'train': [stems[3], stems[0], '', '# comment', stems[1]],
            # SegNet-Tutorial style: image path, space, annotation path.
            'val': [(f'/SegNet/CamVid/val/{stems[2]}.png '
                     f'/SegNet/CamVid/valannot/{stems[2]}.png')],
            'test': [stems[4], stems[5], '0001TP_999999'],
        })

    report = camvid.convert(str(raw), str(out), (6, 8), str(lists))

    assert report['written'] == {'train': 3, 'val': 1, 'test': 2}
    assert report['listed_not_found'] == {'test': ['0001TP_999999']}
    assert report['unassigned'] == [stems[6]]
    expected = {
        'train': [stems[3], stems[0], stems[1]],
        'val': [stems[2]],
        'test': [stems[4], stems[5]],
    }
    for split, split_stems in expected.items():
        assert (out / f'{split}.txt').read_text().split() == split_stems
        files = sorted(p.name for p in (out / split).iterdir())
        annots = sorted(p.name for p in (out / f'{split}annot').iterdir())
        assert files == annots == sorted(f'{s}.png' for s in split_stems)
        for stem in split_stems:
            k = stems.index(stem)
            image = _read_image(out / split / f'{stem}.png')
            ids = _read_label(out / f'{split}annot' / f'{stem}.png')
            assert (image == 10 * k + 5).all()
            assert (ids == k % 11).all()
    assert not (out / 'train' / f'{stems[6]}.png').exists()


def test_convert_rejects_a_stem_in_two_lists(tmp_path):
    raw, lists = tmp_path / 'raw', tmp_path / 'lists'
    _make_raw(raw, _numbered_frames(['a', 'b']))
    _write_lists(lists, {'train': ['a', 'b'], 'val': ['b']})
    with pytest.raises(ConfigError, match='listed in both'):
        camvid.convert(str(raw), str(tmp_path / 'out'), (6, 8), str(lists))


def test_convert_skips_frame_label_size_mismatch(tmp_path):
    raw, out = tmp_path / 'raw', tmp_path / 'out'
    frames = _numbered_frames(['a', 'b'])
    frames['b'] = (frames['b'][0], _uniform((0, 0, 0), (10, 10)))
    _make_raw(raw, frames)
    report = camvid.convert(str(raw), str(out), (6, 8))
    assert report['size_mismatch'] == ['b']
    assert (out / 'train.txt').read_text().split() == ['a']


# ------------------------------------------------------------------ check


def _make_segnet(root: Path, layout: dict, size=(6, 8)) -> None:
    """Write a SegNet-layout folder; ``layout`` maps split -> stems."""
    for split, stems in layout.items():
        for k, stem in enumerate(stems):
            _save_rgb(root / split / f'{stem}.png', _uniform((k, ) * 3, size))
            ids = np.full(size, k % 12, np.uint8)
            ids[0, 0] = 0
            ann = root / f'{split}annot' / f'{stem}.png'
            ann.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(ids).save(ann)
        (root / f'{split}.txt').write_text(''.join(f'{s}\n' for s in stems))


GOOD_LAYOUT = {
    'train': [f't{k:02d}' for k in range(13)],
    'val': ['v0', 'v1'],
    'test': ['x0', 'x1', 'x2'],
}


def test_check_good_folder(tmp_path, capsys):
    _make_segnet(tmp_path, GOOD_LAYOUT)
    report = camvid.check(str(tmp_path))
    assert report['ok'] and report['errors'] == []
    assert list(report['splits']) == ['train', 'val', 'test']
    train = report['splits']['train']
    assert (train['images'], train['labels'], train['pairs']) == (13, 13, 13)
    assert train['listed'] == 13
    assert train['image_sizes'] == {(6, 8): 13}
    assert train['label_ids'] == list(range(12))
    assert train['bad_label_ids'] == [] and train['bad_samples'] == []
    val = report['splits']['val']
    assert (val['images'], val['label_ids']) == (2, [0, 1])
    assert report['splits']['test']['image_sizes'] == {(6, 8): 3}

    assert cli(['check', str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert 'OK' in printed and '6x8: 13' in printed and '0..11' in printed


def test_check_on_converted_output(tmp_path):
    raw, out, lists = tmp_path / 'raw', tmp_path / 'out', tmp_path / 'lists'
    _make_raw(raw, _numbered_frames(['a', 'b', 'c']))
    _write_lists(lists, {'train': ['a', 'b'], 'val': ['c']})
    camvid.convert(str(raw), str(out), (12, 16), str(lists))
    report = camvid.check(str(out))
    assert report['ok'], report['errors']
    assert report['splits']['train']['image_sizes'] == {(12, 16): 2}
    assert report['splits']['val']['label_ids'] == [2]


def _break_missing_label(root: Path) -> None:
    (root / 'trainannot' / 't03.png').unlink()


def _break_bad_id(root: Path) -> None:
    ids = np.full((6, 8), 3, np.uint8)
    ids[2, 2] = 40
    Image.fromarray(ids).save(root / 'valannot' / 'v1.png')


def _break_size(root: Path) -> None:
    _save_rgb(root / 'test' / 'x2.png', _uniform((9, 9, 9), (7, 8)))


def _break_list(root: Path) -> None:
    with open(root / 'val.txt', 'a') as f:
        f.write('v9\n')


def _break_orphan_label(root: Path) -> None:
    (root / 'test' / 'x0.png').unlink()


@pytest.mark.parametrize('breaker, split, key, value, text', [
    (_break_missing_label, 'train', 'images_without_label', ['t03'],
     'without label'),
    (_break_bad_id, 'val', 'bad_label_ids', [40],
     'valannot/v1.png: label ids 40 are not classes; expected ids 0..10 '
     '(11 classes), or 11, 255 (ignored)'),
    (_break_size, 'test', 'image_sizes', {(6, 8): 2, (7, 8): 1},
     'testannot/x2.png: label map is 6x8 but'),
    (_break_list, 'val', 'listed_without_files', ['v9'], 'v9'),
    (_break_orphan_label, 'test', 'labels_without_image', ['x0'],
     'without image'),
])
def test_check_broken_folder_fails(tmp_path, capsys, breaker, split, key,
                                   value, text):
    _make_segnet(tmp_path, GOOD_LAYOUT)
    breaker(tmp_path)
    report = camvid.check(str(tmp_path))
    assert not report['ok']
    assert report['splits'][split][key] == value
    assert len(report['errors']) == 1 and text in report['errors'][0]
    assert cli(['check', str(tmp_path)]) == 1
    printed = capsys.readouterr().out
    assert 'FAILED' in printed and text in printed


def test_check_reports_label_range_with_bad_id(tmp_path):
    _make_segnet(tmp_path, GOOD_LAYOUT)
    _break_bad_id(tmp_path)
    val = camvid.check(str(tmp_path))['splits']['val']
    assert val['label_ids'] == [0, 3, 40]


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


def test_check_decodes_every_file_and_names_each_bad_one(tmp_path, capsys):
    """Truncated files, the raw 32-class ids 12..31, half-size labels are
    errors naming their files; grayscale and RGBA images are converted
    (noted, not errors)."""
    _make_segnet(tmp_path, {'train': [f't{k}' for k in range(7)]},
                 size=(12, 16))
    train, annot = tmp_path / 'train', tmp_path / 'trainannot'
    _truncate(train / 't0.png')
    _truncate(annot / 't1.png')
    raw32 = np.arange(12 * 16, dtype=np.uint8).reshape(12, 16) % 32
    Image.fromarray(raw32).save(annot / 't2.png')
    Image.fromarray(np.zeros((6, 8), np.uint8)).save(annot / 't3.png')
    Image.fromarray(np.full((12, 16), 90, np.uint8)).save(train / 't4.png')
    Image.fromarray(np.full((12, 16, 4), 90, np.uint8)).save(train / 't5.png')

    report = camvid.check(str(tmp_path))

    info = report['splits']['train']
    assert not report['ok'] and len(report['errors']) == 4
    problems = {Path(p.split(':')[0]).name: p for p in info['bad_samples']}
    assert set(problems) == {'t0.png', 't1.png', 't2.png', 't3.png'}
    assert 'cannot decode the image' in problems['t0.png']
    assert str(train / 't0.png') in problems['t0.png']
    assert 'cannot decode the label map' in problems['t1.png']
    assert str(annot / 't1.png') in problems['t1.png']
    assert 'label ids 12..31 are not classes' in problems['t2.png']
    assert 'label map is 6x8 but' in problems['t3.png']
    assert info['bad_label_ids'] == list(range(12, 32))
    converted = '\n'.join(info['converted_images'])
    assert len(info['converted_images']) == 2
    assert f'{train / "t4.png"}: grayscale image (L)' in converted
    assert f'{train / "t5.png"}: RGBA image (RGBA)' in converted

    assert cli(['check', str(tmp_path)]) == 1
    printed = capsys.readouterr().out
    for name in ('t0.png', 't1.png', 't2.png', 't3.png', 't4.png', 't5.png'):
        assert name in printed
    assert 'converted to RGB when loaded' in printed


def test_check_accepts_grayscale_and_rgba_images(tmp_path, capsys):
    _make_segnet(tmp_path, {'train': ['a', 'b']})
    Image.fromarray(np.full((6, 8), 9, np.uint8)).save(
        tmp_path / 'train' / 'a.png')
    report = camvid.check(str(tmp_path))
    assert report['ok'] and len(
        report['splits']['train']['converted_images']) == 1
    assert cli(['check', str(tmp_path)]) == 0
    assert 'grayscale image (L), converted' in capsys.readouterr().out


def test_check_rejects_rgb_labels_and_empty_roots(tmp_path):
    _make_segnet(tmp_path, {'train': ['a']})
    _save_rgb(tmp_path / 'trainannot' / 'a.png', _uniform((1, 1, 1), (6, 8)))
    report = camvid.check(str(tmp_path))
    assert 'label map of shape (6, 8, 3)' in report['splits']['train'][
        'bad_samples'][0]
    assert not report['ok']
    empty = tmp_path / 'empty'
    empty.mkdir()
    assert not camvid.check(str(empty))['ok']
    assert cli(['check', str(empty)]) == 1


def test_check_unlisted_pairs_are_only_a_note(tmp_path, capsys):
    _make_segnet(tmp_path, {'train': ['a', 'b']})
    (tmp_path / 'train.txt').write_text('a\n')
    report = camvid.check(str(tmp_path))
    assert report['ok']
    assert report['splits']['train']['unlisted'] == ['b']
    assert cli(['check', str(tmp_path)]) == 0
    assert 'not in train.txt' in capsys.readouterr().out


# ---------------------------------------------------------- missing paths


def test_missing_paths_are_named(tmp_path, capsys):
    missing = tmp_path / 'nope'
    with pytest.raises(FileNotFoundError, match='nope'):
        camvid.check(str(missing))
    assert cli(['check', str(missing)]) == 1
    assert 'nope' in capsys.readouterr().err
    with pytest.raises(FileNotFoundError, match='nope'):
        camvid.convert(str(missing), str(tmp_path / 'out'))

    raw = tmp_path / 'raw'
    (raw / camvid.RAW_IMAGE_DIR).mkdir(parents=True)
    assert cli(['convert', str(raw), str(tmp_path / 'out')]) == 1
    err = capsys.readouterr().err
    assert camvid.RAW_LABEL_DIR in err and str(raw) in err

    (raw / camvid.RAW_LABEL_DIR).mkdir()
    with pytest.raises(FileNotFoundError, match='lists_missing'):
        camvid.convert(str(raw), str(tmp_path / 'out'), (6, 8),
                       str(tmp_path / 'lists_missing'))
    empty_lists = tmp_path / 'empty_lists'
    empty_lists.mkdir()
    with pytest.raises(FileNotFoundError, match='empty_lists'):
        camvid.convert(str(raw), str(tmp_path / 'out'), (6, 8),
                       str(empty_lists))


def test_cli_missing_path_is_one_line_without_traceback(tmp_path):
    missing = tmp_path / 'does_not_exist'
    result = run_command([sys.executable, SCRIPT, 'check', missing],
                         check=False)
    assert result.returncode != 0
    assert 'Traceback' not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f'error: CamVid root directory not found: {missing}'
    ]


def test_cli_bad_size_is_an_argparse_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as err:
        cli(['convert', str(tmp_path), str(tmp_path), '--size', '3'])
    assert err.value.code == 2
    assert 'HEIGHTxWIDTH' in capsys.readouterr().err
