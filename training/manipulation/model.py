"""The face manipulation network: a small residual CNN whose head is its own heatmap.

Compact enough for a few milliseconds per face on one CPU core. Its last
layer is a 1x1 convolution giving a logit per 16x16-pixel cell of the crop,
and the face's logit is their mean, which is exactly global average pooling
followed by a linear layer. The cell map is therefore a faithful class
activation map (Zhou et al., CVPR 2016) that the exported ONNX model returns
alongside the score: the heatmap costs nothing extra and needs no gradients
at scan time.
"""

from __future__ import annotations

import torch
from torch import nn

MEAN = 0.5
STD = 0.25


def conv_bn(c_in: int, c_out: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


class Residual(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels, channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(channels),
        )
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(x + self.body(x))


class BlendNet(nn.Module):
    """Input: RGB in [0, 1], N x 3 x 128 x 128. Output: (logit N, cell logits N x 8 x 8)."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            conv_bn(3, 16),  # full resolution: blending edges are fine detail
            conv_bn(16, 32, stride=2),  # 64
            conv_bn(32, 48, stride=2),  # 32
            Residual(48),
            conv_bn(48, 96, stride=2),  # 16
            Residual(96),
            conv_bn(96, 160, stride=2),  # 8
            Residual(160),
            nn.Dropout2d(0.1),
        )
        self.cells = nn.Conv2d(160, 1, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        cells = self.cells(self.features((x - MEAN) / STD))[:, 0]
        return cells.mean(dim=(1, 2)), cells
