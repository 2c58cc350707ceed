"""What the tools share from ``mmseg_unetpp.utils.launch``."""
import argparse

import pytest

from mmseg_unetpp.utils.launch import ArgumentParser, parse_size


@pytest.mark.parametrize('text, size', [('360x480', (360, 480)),
                                        ('12X16', (12, 16))])
def test_parse_size(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize('text, message', [
    ('360', 'size must look like HEIGHTxWIDTH'),
    ('3x', 'size must look like HEIGHTxWIDTH'),
    ('axb', 'size must look like HEIGHTxWIDTH'),
    ('1x2x3', 'size must look like HEIGHTxWIDTH'),
    ('0x480', "size must be positive, got '0x480'"),
])
def test_parse_size_rejects(text, message):
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        parse_size(text)


def test_bad_size_argument_is_one_line_naming_it(capsys):
    parser = ArgumentParser(prog='tool')
    parser.add_argument('--size', type=parse_size)
    with pytest.raises(SystemExit) as error:
        parser.parse_args(['--size', '176by240'])
    assert error.value.code == 2
    assert capsys.readouterr().err == (
        "tool: error: argument --size: size must look like HEIGHTxWIDTH "
        "(e.g. 360x480), got '176by240' (see --help)\n")
