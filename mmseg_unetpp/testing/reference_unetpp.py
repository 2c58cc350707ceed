"""UNet++ written straight from the paper's equations, to test and time
this package's implementation against."""
from typing import List, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvBNReLU(nn.Module):
    """3x3 conv (no bias), batch norm, ReLU."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv = nn.Conv2d(
            in_channels, out_channels, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn(self.conv(x)))


class ReferenceNode(nn.Module):
    """H: two conv-BN-ReLU layers."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.convs = nn.Sequential(
            ConvBNReLU(in_channels, out_channels),
            ConvBNReLU(out_channels, out_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.convs(x)


class ReferenceUNetPlusPlus(nn.Module):
    """UNet++ from the paper's equations, nothing else::

        X(i, 0) = H(maxpool(X(i-1, 0)))          (X(0, 0) = H(image))
        X(i, j) = H(concat(X(i, 0), ..., X(i, j-1), Up(X(i+1, j-1))))

    Up is bilinear, to the size of row i. A 1x1 classifier on each of
    X(0, 1) .. X(0, L) gives the deep-supervision logits. Parameter names
    follow the package's layout (``encoder.x_1_0.convs.0.conv``,
    ``decoder.nodes.x_0_1.convs.0.conv``, ``branches.0.conv_seg``), so
    weights move between the two.

    Args:
        channels (Sequence[int]): Channels of rows 0..L.
        num_classes (int): Classes of the classifiers.
        in_channels (int): Image channels.
    """

    def __init__(self,
                 channels: Sequence[int] = (32, 64, 128, 256, 512),
                 num_classes: int = 11,
                 in_channels: int = 3):
        super().__init__()
        self.depth = len(channels) - 1
        self.encoder = nn.ModuleDict()
        self.decoder = nn.Module()
        self.decoder.nodes = nn.ModuleDict()
        for j in range(self.depth + 1):
            for i in range(self.depth + 1 - j):
                if j == 0:
                    cin = in_channels if i == 0 else channels[i - 1]
                    self.encoder[f'x_{i}_0'] = ReferenceNode(cin, channels[i])
                else:
                    cin = j * channels[i] + channels[i + 1]
                    self.decoder.nodes[f'x_{i}_{j}'] = ReferenceNode(
                        cin, channels[i])
        self.branches = nn.ModuleList(
            nn.ModuleDict(dict(conv_seg=nn.Conv2d(channels[0], num_classes,
                                                  1)))
            for _ in range(self.depth))

    def forward(self, image: torch.Tensor) -> List[torch.Tensor]:
        """(N, 3, H, W) -> L logits (N, num_classes, H, W)."""
        x = {}
        for j in range(self.depth + 1):
            for i in range(self.depth + 1 - j):
                if j == 0:
                    inp = image if i == 0 else F.max_pool2d(x[i - 1, 0], 2)
                    x[i, 0] = self.encoder[f'x_{i}_0'](inp)
                else:
                    skips = [x[i, c] for c in range(j)]
                    up = F.interpolate(
                        x[i + 1, j - 1],
                        size=skips[0].shape[2:],
                        mode='bilinear',
                        align_corners=False)
                    x[i, j] = self.decoder.nodes[f'x_{i}_{j}'](
                        torch.cat(skips + [up], dim=1))
        return [
            branch['conv_seg'](x[0, j + 1])
            for j, branch in enumerate(self.branches)
        ]
