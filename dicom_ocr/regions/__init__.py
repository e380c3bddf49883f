"""The region stage: the word boxes of several engines and reads of a plane into text regions, one per field of text.

Pipeline (``build_regions``):

1. :mod:`.words` drops noise (empty or unsure text, speckle, rules, texture read as text) and, given the plane,
   short unsure reads that look like graphics rather than glyphs (:mod:`.glyphs`);
2. :mod:`.lines` drops boxes lumping lines other reads separated, fuses words seen by several engines or reads and
   groups the rest into lines, joining words only across gaps the size of a space: fields a screen shows side by
   side on one baseline stay apart;
3. :mod:`.margins` grows each line so no glyph edge is left out;
4. :mod:`.merge` fuses regions holding the same text (one inside the other, or their words touching); margins of
   neighbouring fields may overlap without fusing them.

Once lines are judged, ``stop_short_of`` keeps one kind of line's margins off another's text. All boxes are
inclusive plane coordinates (``geometry.Box``).
"""
from .build import build_regions
from .lines import components, is_multiline_lump, merge_lines
from .margins import add_margin, core_box, stop_short_of
from .merge import merge_overlapping, supersede
from .region import Region, TaggedWord
from .words import drop_graphics, filter_words

__all__ = ["Region", "TaggedWord", "add_margin", "build_regions", "components", "core_box", "drop_graphics",
           "filter_words", "is_multiline_lump", "merge_lines", "merge_overlapping", "stop_short_of", "supersede"]
