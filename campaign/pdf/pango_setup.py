"""WeasyPrint's Pango layout set-up, with the Pango context and font description reused.

WeasyPrint makes a new Pango layout for every line at least twice (to break it, then to
draw it), and `weasyprint.text.line_break.Layout.setup` each time creates a new Pango
context (font map, base direction, language) and builds a new font description from the
style. A packet has a handful of distinct contexts and a few dozen font descriptions, so
this set-up was about a tenth of a roster page's time.

`setup` below is WeasyPrint 70's method (BSD licence, (c) Kozea) with the same calls in
the same order, except that the context is kept per (font map, direction, language) and
the font description per the style values it is built from (Pango copies a description
into each layout that takes it; a context is meant to be shared by many layouts, and
WeasyPrint never changes one after this set-up). Both are kept per thread, as Pango objects
are not to be shared between threads. `tests/pdf/test_weasyprint_fast_paths.py` renders
packets both ways and compares the PDFs byte for byte.

It replaces WeasyPrint's (`fast_paths.py`) only on the WeasyPrint version it was copied from.
"""

from __future__ import annotations

import threading

from weasyprint.text import line_break as _weasy_line_break
from weasyprint.text.constants import LST_TO_ISO, PANGO_DIRECTION
from weasyprint.text.ffi import FROM_UNITS, ffi, gobject, pango, unicode_to_char_p
from weasyprint.text.fonts import font_features, get_font_description

from .fast_paths import Replacement

_original = _weasy_line_break.Layout.setup
# Kept per thread before the cache starts again: a packet uses a handful of contexts (each
# holds its font map) and a few dozen descriptions.
MAX_CONTEXTS = 64
MAX_DESCRIPTIONS = 512
# thread id -> (contexts, descriptions). One dict rather than threading.local, so that
# release() reaches the job worker's threads too: their Pango objects must also go before
# Pango is unloaded at exit. A dead thread's id may be reused; its caches then pass to the
# new thread, which is safe since the old one no longer uses them.
_kept: dict[int, tuple[dict, dict]] = {}


def release() -> None:
    """Drop every thread's kept contexts and descriptions (before Pango is unloaded at exit)."""
    _kept.clear()


def _caches() -> tuple[dict, dict]:
    caches = _kept.get(threading.get_ident())
    if caches is None:
        caches = _kept[threading.get_ident()] = ({}, {})
    return caches


def _context(font_map, direction: str, lang: str | None):
    """(Pango context, Pango language) as WeasyPrint's set-up makes them."""
    contexts, _descriptions = _caches()
    # The context holds a reference to its font map, so this address is not reused.
    key = (int(ffi.cast("uintptr_t", font_map)), direction, lang)
    kept = contexts.get(key)
    if kept is None:
        if len(contexts) >= MAX_CONTEXTS:
            contexts.clear()
        pango_context = ffi.gc(
            pango.pango_font_map_create_context(font_map), gobject.g_object_unref
        )
        pango.pango_context_set_round_glyph_positions(pango_context, False)
        pango.pango_context_set_base_dir(pango_context, PANGO_DIRECTION[direction])
        if lang:
            lang_p, lang = unicode_to_char_p(lang)
            language = pango.pango_language_from_string(lang_p)
            pango.pango_context_set_language(pango_context, language)
        else:
            language = pango.pango_language_get_default()
        kept = contexts[key] = (pango_context, language)
    return kept


def _description(style):
    _contexts, descriptions = _caches()
    variations = style["font_variation_settings"]
    key = (
        tuple(style["font_family"]),
        style["font_style"],
        style["font_stretch"],
        style["font_weight"],
        style["font_size"],
        style["font_variant_caps"],
        variations if variations == "normal" else tuple(variations),
    )
    description = descriptions.get(key)
    if description is None:
        if len(descriptions) >= MAX_DESCRIPTIONS:
            descriptions.clear()
        description = descriptions[key] = get_font_description(style)
    return description


def setup(self, style):
    self.style = style
    self.first_line_direction = 0

    if style["font_language_override"] != "normal":
        lang = LST_TO_ISO.get(
            style["font_language_override"].lower(), style["font_language_override"]
        )
    elif style["lang"]:
        lang = style["lang"]
    else:
        lang = None
    pango_context, self.language = _context(style.font_config.font_map, style["direction"], lang)

    assert not isinstance(style["font_family"], str), "font_family should be a list"
    font_description = _description(style)
    self.layout = ffi.gc(pango.pango_layout_new(pango_context), gobject.g_object_unref)
    pango.pango_layout_set_auto_dir(self.layout, False)
    pango.pango_layout_set_font_description(self.layout, font_description)

    text_decoration = style["text_decoration_line"]
    if text_decoration != "none":
        metrics = ffi.gc(
            pango.pango_context_get_metrics(pango_context, font_description, self.language),
            pango.pango_font_metrics_unref,
        )
        self.ascent = FROM_UNITS * (pango.pango_font_metrics_get_ascent(metrics))
        self.underline_position = FROM_UNITS * (
            pango.pango_font_metrics_get_underline_position(metrics)
        )
        self.strikethrough_position = FROM_UNITS * (
            pango.pango_font_metrics_get_strikethrough_position(metrics)
        )
        self.underline_thickness = FROM_UNITS * (
            pango.pango_font_metrics_get_underline_thickness(metrics)
        )
        self.strikethrough_thickness = FROM_UNITS * (
            pango.pango_font_metrics_get_strikethrough_thickness(metrics)
        )
    else:
        self.ascent = None
        self.underline_position = None
        self.strikethrough_position = None

    features = font_features(
        style["font_kerning"],
        style["font_variant_ligatures"],
        style["font_variant_position"],
        style["font_variant_caps"],
        style["font_variant_numeric"],
        style["font_variant_alternates"],
        style["font_variant_east_asian"],
        style["font_feature_settings"],
    )
    if features:
        features = ",".join(f"{key} {value}" for key, value in features.items()).encode()
        # In the meantime, keep a cache to avoid leaking too many of them.
        attr = style.font_config.font_features.setdefault(
            features, pango.pango_attr_font_features_new(features)
        )
        attr_list = pango.pango_attr_list_new()
        pango.pango_attr_list_insert(attr_list, attr)
        pango.pango_layout_set_attributes(self.layout, attr_list)


REPLACEMENT = Replacement(_weasy_line_break.Layout, "setup", setup, _original)
