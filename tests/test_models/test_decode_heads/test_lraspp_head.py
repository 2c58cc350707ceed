"""GlobalPoolLRASPPHead: MMSeg's LR-ASPP on feature maps of any size."""
import pytest
import torch
from mmseg.models.decode_heads import LRASPPHead

from mmseg_unetpp.models.decode_heads import GlobalPoolLRASPPHead

ARGS = dict(in_channels=(8, 12, 16), in_index=(0, 1, 2), channels=8,
            input_transform='multiple_select', num_classes=3,
            norm_cfg=dict(type='BN'))


def features(h: int, w: int) -> list:
    """Stride 4, 8 and 32 maps, the last of them ``h`` x ``w``."""
    g = torch.Generator().manual_seed(0)
    return [torch.randn(2, c, h * s, w * s, generator=g)
            for c, s in ((8, 8), (12, 4), (16, 1))]


def test_equal_to_mmseg_where_its_pool_is_global():
    """On a 49x49 map MMSeg's 49x49 pool is the global mean: same
    weights, same logits."""
    ours, theirs = GlobalPoolLRASPPHead(**ARGS), LRASPPHead(**ARGS)
    theirs.load_state_dict(ours.state_dict())
    ours.eval(), theirs.eval()
    inputs = features(49, 49)
    with torch.no_grad():
        torch.testing.assert_close(ours(inputs), theirs(inputs))


def test_small_feature_maps():
    """CamVid at 180x240 gives 6x8 at stride 32: MMSeg's pool fails."""
    inputs = features(6, 8)
    with pytest.raises(RuntimeError):
        LRASPPHead(**ARGS)(inputs)
    assert GlobalPoolLRASPPHead(**ARGS)(inputs).shape == (2, 3, 48, 64)
