"""FusionSelectHook: accurate mode averages the best-scoring levels of the
last validation, and the checkpoint written after it holds them."""
from types import SimpleNamespace

import pytest
from mmengine.config import Config
from mmengine.dataset import BaseDataset
from mmengine.evaluator import BaseMetric
from mmengine.hooks import CheckpointHook, Hook
from mmengine.runner import Runner
from mmseg.registry import DATASETS, METRICS, MODELS, TRANSFORMS
from tiny_runner import TinyDataset, model_cfg, tiny_runner

import mmseg_unetpp  # noqa: F401
from mmseg_unetpp.engine.hooks import CheckpointAfterValHook, FusionSelectHook
from mmseg_unetpp.structures import Levels
from mmseg_unetpp.utils.checkpoint import load_from_local_weights_only


class Logger:
    def __init__(self):
        self.infos, self.warnings = [], []

    def info(self, message):
        self.infos.append(message)

    def warning(self, message):
        self.warnings.append(message)


def three_levels():
    cfg = model_cfg()
    cfg['backbone'].update(num_stages=4)
    cfg['decode_head'].update(in_index=[0, 1, 2])
    return MODELS.build(cfg)


def runner_stub(model, hooks=()):
    return SimpleNamespace(model=model, hooks=list(hooks), logger=Logger())


@pytest.mark.parametrize('scores, choice', [
    ({'l1': 50, 'l2': 70, 'l3': 60, 'l1-l2': 65, 'l2-l3': 69, 'l1-l3': 68},
     Levels(2)),
    ({'l1': 50, 'l2': 60, 'l3': 61, 'l1-l2': 62, 'l2-l3': 64, 'l1-l3': 64},
     Levels(2, 3)),  # tie with l1-l3: fewer levels
    ({'l1': 60, 'l2': 60, 'l3': 60, 'l1-l2': 60, 'l2-l3': 60, 'l1-l3': 60},
     Levels(1)),  # all equal: the shallowest, cheapest
])
def test_the_best_scoring_levels_are_chosen(scores, choice):
    model = three_levels()
    runner = runner_stub(model)
    metrics = {'mIoU': 55.0}
    metrics.update({Levels.parse(n).metric_key('mIoU'): s
                    for n, s in scores.items()})
    FusionSelectHook().after_val_epoch(runner, metrics)
    assert model.decode_head.fusion == choice
    assert runner.logger.infos == [
        f'accurate mode averages {choice.name} from now on (val mIoU '
        f'{max(scores.values()):.2f}; it averaged l1-l3, val mIoU 55.00)']


def test_dice_when_there_is_no_miou_and_a_metric_of_ones_own():
    model = three_levels()
    dice = {'mDice': 1.0, 'l1.mDice': 9.0, 'l2.mDice': 1.0, 'l3.Dice': 1.0,
            'l1.Dice': 1.0, 'l3.mDice': 1.0}
    FusionSelectHook().after_val_epoch(runner_stub(model), dice)
    assert model.decode_head.fusion == Levels(1)
    FusionSelectHook(metric='Dice').after_val_epoch(runner_stub(model), {
        'mIoU': 1.0, 'l1.Dice': 1.0, 'l3.Dice': 9.0})
    assert model.decode_head.fusion == Levels(3)


def test_nothing_changes_without_per_level_scores():
    model = three_levels()
    model.decode_head.fusion = Levels(2, 3)
    runner = runner_stub(model)
    FusionSelectHook().after_val_epoch(runner, {'mIoU': 50.0})
    assert model.decode_head.fusion == Levels(2, 3) and not runner.logger.infos


def test_warns_once_when_the_checkpoint_hook_writes_before_validation():
    model = three_levels()
    stock = runner_stub(model, [CheckpointHook(), FusionSelectHook()])
    FusionSelectHook().before_train(stock)
    assert len(stock.logger.warnings) == 1
    assert 'CheckpointAfterValHook' in stock.logger.warnings[0]
    ours = runner_stub(model, [CheckpointAfterValHook(), FusionSelectHook()])
    FusionSelectHook().before_train(ours)
    assert not ours.logger.warnings
    other = runner_stub(SimpleNamespace(decode_head=None), [CheckpointHook()])
    FusionSelectHook().before_train(other)  # no deep supervision: silent
    assert not other.logger.warnings


def test_the_last_checkpoint_holds_the_last_choice(tmp_path):
    runner = tiny_runner(
        tmp_path, dict(type='CheckpointAfterValHook', interval=1),
        hooks=dict(per_level_prediction=dict(type='PerLevelPredictionHook'),
                   fusion_select=dict(type='FusionSelectHook')),
        max_iters=2)
    choices = []
    head = runner.model.decode_head
    runner.register_hook(_Record(choices), priority='VERY_LOW')
    runner.train()
    assert len(choices) == 2  # one choice per validation
    last = load_from_local_weights_only(str(tmp_path / 'iter_2.pth'),
                                        map_location='cpu')
    weights = last['state_dict']['decode_head.fusion_weights'].tolist()
    assert [k for k, w in zip(head.levels, weights) if w > 0] == \
        list(choices[-1].levels) == list(head.fusion.levels)


class _Record(Hook):
    """Records the head's fusion after each validation."""

    def __init__(self, choices):
        self.choices = choices

    def after_val_epoch(self, runner, metrics=None):
        self.choices.append(runner.model.decode_head.fusion)


@METRICS.register_module()
class FixedLevelScores(BaseMetric):
    """Scores that make level 2 alone the best prediction."""

    per_level = True

    def process(self, data_batch, data_samples) -> None:
        self.results.append(None)

    def compute_metrics(self, results) -> dict:
        return {'mIoU': 50.0, 'l1.mIoU': 40.0, 'l2.mIoU': 70.0,
                'l1-l2.mIoU': 60.0}


@pytest.mark.parametrize('custom_hooks', [None, [dict(type='EMAHook')]])
def test_the_checkpoint_holds_the_choice_of_its_validation(
        tmp_path, custom_hooks):
    """Also under EMAHook, which saves its average's weights and buffers
    (copied from the model before the validation chose)."""
    runner = tiny_runner(
        tmp_path, dict(type='CheckpointAfterValHook', interval=1),
        hooks=dict(fusion_select=dict(type='FusionSelectHook')),
        custom_hooks=custom_hooks, metric='FixedLevelScores', max_iters=1)
    runner.train()
    assert runner.model.decode_head.fusion == Levels(2)
    saved = load_from_local_weights_only(str(tmp_path / 'iter_1.pth'),
                                         map_location='cpu')
    weights = saved['state_dict']['decode_head.fusion_weights'].tolist()
    assert weights == [0.0, 1.0]


@METRICS.register_module()
class ScoresBySize(BaseMetric):
    """Level 1 best on a set of one frame, level 2 best on more."""

    per_level = True

    def process(self, data_batch, data_samples) -> None:
        self.results.extend([None] * len(data_samples))

    def compute_metrics(self, results) -> dict:
        one = len(results) == 1
        return {'mIoU': 50.0, 'l1.mIoU': 70.0 if one else 40.0,
                'l2.mIoU': 40.0 if one else 70.0, 'l1-l2.mIoU': 60.0}


class OneFrame(TinyDataset):
    def __len__(self) -> int:
        return 1


def test_a_selection_split_chooses_before_the_validation(tmp_path):
    """The choice is made on the selection split (one frame: level 1),
    before the validation (two frames, where level 2 scores best), which
    then scores it and does not choose again."""
    loader = dict(dataset=OneFrame(), batch_size=1, num_workers=0,
                  sampler=dict(type='DefaultSampler', shuffle=False))
    runner = tiny_runner(
        tmp_path, hooks=dict(fusion_select=dict(
            type='FusionSelectHook', dataloader=loader)),
        metric='ScoresBySize', max_iters=1)
    seen = []
    runner.register_hook(_RecordBeforeVal(seen), priority='VERY_LOW')
    runner.train()
    assert seen == [Levels(1)]
    assert runner.model.decode_head.fusion == Levels(1)
    assert not runner.model.per_level  # restored after choosing


@pytest.mark.parametrize('split', [dict(indices=[0]), dict()])
def test_under_mmseg_encoder_decoder_it_warns_and_keeps_the_fusion(
        tmp_path, split):
    """MMSeg's EncoderDecoder with a DeepSupervisionHead predicts accurate
    mode alone: with or without a selection split, nothing is chosen, and
    the user is told once why."""
    runner = tiny_runner(
        tmp_path, hooks=dict(fusion_select=dict(type='FusionSelectHook',
                                                **split)),
        metric='ScoresBySize', max_iters=2, segmentor='EncoderDecoder')
    warnings = []
    runner.logger.warning = warnings.append
    runner.train()
    assert runner.model.decode_head.fusion == Levels(1, 2)
    assert warnings == [
        'FusionSelectHook: EncoderDecoder predicts accurate mode alone, so '
        'no level can be chosen and accurate mode keeps averaging l1-l2; '
        'use DeepSupervisionEncoderDecoder to choose them']


class _RecordBeforeVal(Hook):
    """Records the head's fusion when the validation starts."""

    def __init__(self, choices):
        self.choices = choices

    def before_val_epoch(self, runner):
        self.choices.append(runner.model.decode_head.fusion)


@DATASETS.register_module()
class NamedFrames(BaseDataset):
    """Five frames that name their set (``split``) and number."""

    def __init__(self, split: str, **kwargs) -> None:
        self.split = split
        super().__init__(**kwargs)

    def load_data_list(self) -> list:
        return [dict(split=self.split, frame=k) for k in range(5)]


@TRANSFORMS.register_module()
class NamePipeline:
    """Marks a sample with the name of its pipeline."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, results: dict) -> dict:
        return dict(results, pipeline=self.name)


def test_train_indices_choose_on_train_frames_with_the_val_pipeline():
    """Inside MMSeg's RepeatDataset, as the DRIVE base wraps the train
    set; the loader keeps the val loader's own settings."""
    train_set = dict(type='NamedFrames', split='train', indices=[0, 1, 2],
                     pipeline=[dict(type='NamePipeline', name='train')])
    cfg = Config(dict(
        train_dataloader=dict(
            batch_size=4, sampler=dict(type='InfiniteSampler'),
            dataset=dict(type='RepeatDataset', times=3, dataset=train_set)),
        val_dataloader=dict(
            batch_size=1, sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(type='NamedFrames', split='val',
                         pipeline=[dict(type='NamePipeline', name='val')]))))
    runner = SimpleNamespace(cfg=cfg, seed=0, logger=Logger(),
                             build_dataloader=Runner.build_dataloader)
    hook = FusionSelectHook(train_indices=[3, 4])
    loader = runner.build_dataloader(hook._loader_cfg(runner))
    assert isinstance(loader.dataset, NamedFrames)  # no repeat
    assert loader.batch_size == 1
    assert [(x['split'], x['frame'], x['pipeline'])
            for x in loader.dataset] == [('train', 3, 'val'),
                                         ('train', 4, 'val')]
    assert cfg.val_dataloader.dataset.split == 'val'  # a copy is changed
    assert not runner.logger.warnings
    # Frames that training uses too: a warning.
    FusionSelectHook(train_indices=[2, 3])._loader_cfg(runner)
    assert runner.logger.warnings == [
        'FusionSelectHook: 1 of the 2 train frames the levels are chosen on '
        "(train_indices) are trained on too; leave them out with the train "
        "dataset's indices"]


@pytest.mark.parametrize('kwargs, message', [
    (dict(indices=[0], dataloader={}), 'not several'),
    (dict(train_indices=[0], dataloader={}), 'not several'),
    (dict(indices=[0], train_indices=[1]), 'not several'),
    (dict(indices=[]), 'indices must be a non-empty list'),
    (dict(indices=[-1]), 'indices must be a non-empty list'),
    (dict(train_indices=[]), 'train_indices must be a non-empty list'),
    (dict(train_indices=[0.5]), 'train_indices must be a non-empty list'),
])
def test_bad_selection_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        FusionSelectHook(**kwargs)
