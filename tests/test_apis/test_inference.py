"""MMSeg's own inference API (mmseg.apis.init_model, inference_model) works
with this package's models: accurate mode, fast mode from cfg_options, and a
pruned pair written by tools/prune.py."""
import sys

import mmcv
import torch
from helpers import load_tool
from mmseg.apis import inference_model, init_model

from mmseg_unetpp.models.segmentors import DeepSupervisionEncoderDecoder


def test_init_model_and_inference_model(deploy_project):
    model = init_model(str(deploy_project['config']),
                       str(deploy_project['checkpoint']), device='cpu')
    assert isinstance(model, DeepSupervisionEncoderDecoder)
    assert model.dataset_meta['classes'][0] == 'Sky'  # from the checkpoint
    image = str(deploy_project['image'])
    result = inference_model(model, image)
    assert result.pred_sem_seg.data.shape == (1, 40, 56)
    assert result.seg_logits.data.shape == (11, 40, 56)
    # Accurate mode also gives every level's prediction.
    assert all(f'pred_sem_seg_l{k}' in result for k in (1, 2, 3, 4))
    # The same as the model's predict on the loaded image.
    img = torch.from_numpy(mmcv.imread(image)).permute(2, 0, 1)
    data = model.data_preprocessor(dict(inputs=[img]), False)
    with torch.no_grad():
        expected, = model.predict(data['inputs'])
    assert torch.equal(result.pred_sem_seg.data, expected.pred_sem_seg.data)
    batch = inference_model(model, [image, image])
    assert len(batch) == 2


def test_fast_mode_and_pruned_pair_give_the_same_logits(
        deploy_project, monkeypatch, tmp_path):
    fast = init_model(
        str(deploy_project['config']), str(deploy_project['checkpoint']),
        device='cpu', cfg_options={'model.decode_head.mode': 'fast',
                                   'model.decode_head.level': 2})
    assert (fast.decode_head.mode, fast.decode_head.level) == ('fast', 2)
    monkeypatch.setattr(sys, 'argv', [
        'prune.py', str(deploy_project['config']),
        str(deploy_project['checkpoint']), '--level', '2', '--out',
        str(tmp_path)
    ])
    load_tool('prune.py').main()
    pruned = init_model(str(tmp_path / 'unetpp_tiny_pruned-l2.py'),
                        str(tmp_path / 'unetpp_tiny_pruned-l2.pth'),
                        device='cpu')
    assert pruned.backbone.num_levels == 2
    image = str(deploy_project['image'])
    assert torch.equal(inference_model(pruned, image).seg_logits.data,
                       inference_model(fast, image).seg_logits.data)
