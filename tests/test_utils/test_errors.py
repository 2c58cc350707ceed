from mmseg_unetpp.utils import BadSampleError, error_line


def test_error_line_keeps_a_worker_exceptions_own_message():
    # How torch re-raises an exception from a DataLoader worker.
    text = ('Caught BadSampleError in DataLoader worker process 0.\n'
            'Original Traceback (most recent call last):\n'
            '  File "x.py", line 1, in f\n'
            '    raise BadSampleError(...)\n'
            'mmseg_unetpp.utils.errors.BadSampleError: a.png: label ids 12 '
            'are not classes\n')
    assert error_line(BadSampleError(text)) == (
        'a.png: label ids 12 are not classes')


def test_error_line_is_one_line():
    assert error_line(ValueError('a\n  b')) == 'a b'
    assert error_line(KeyError()) == 'KeyError'
