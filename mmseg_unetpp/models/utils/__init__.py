from .accuracy import pixel_accuracy
from .nested_decoder import NestedDecoder
from .node_block import NodeBlock

__all__ = ['NestedDecoder', 'NodeBlock', 'pixel_accuracy']
