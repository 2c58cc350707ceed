from .seg_legend_visualizer import SegLegendVisualizer, draw_legend

__all__ = ['SegLegendVisualizer', 'draw_legend']
