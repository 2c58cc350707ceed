from .node_block import NodeBlock

__all__ = ['NodeBlock']
