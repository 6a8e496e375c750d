"""The archive's logo: where it lives in the web app and what an acceptable replacement is.

The web app imports `web/src/assets/logo.svg` in AppBar.vue and HomeView.vue and inlines it into
the page, so a logo is untrusted markup. It is accepted by allow-list: static SVG elements and
attributes only, references only to elements of the same file, and CSS whose every url(), function
and at-rule is known to be inert. Anything not on the lists is refused by name, so a construct
nobody thought of (a new animation element, an escaped `url(`) is refused rather than let through.
"""

from __future__ import annotations

import re
from pathlib import Path

from dandiops.core.errors import UsageError

LOGO_PATH = "web/src/assets/logo.svg"
MAX_LOGO_BYTES = 1024 * 1024
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
XLINK_NAMESPACE = "http://www.w3.org/1999/xlink"
XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"

# Drawing only. Not here: script; a, which makes the logo a link; image and feImage, which load a
# picture from a URL; foreignObject, iframe and the like, which embed another document; and the
# animation elements (set, animate*), which can rewrite any attribute, href included, after the file
# was checked.
ALLOWED_ELEMENTS = frozenset(
    {
        "svg",
        "g",
        "defs",
        "symbol",
        "use",
        "title",
        "desc",
        "metadata",
        "style",
        "path",
        "rect",
        "circle",
        "ellipse",
        "line",
        "polyline",
        "polygon",
        "text",
        "tspan",
        "textPath",
        "linearGradient",
        "radialGradient",
        "stop",
        "pattern",
        "clipPath",
        "mask",
        "marker",
        "filter",
        "feBlend",
        "feColorMatrix",
        "feComponentTransfer",
        "feComposite",
        "feConvolveMatrix",
        "feDiffuseLighting",
        "feDisplacementMap",
        "feDistantLight",
        "feDropShadow",
        "feFlood",
        "feFuncA",
        "feFuncB",
        "feFuncG",
        "feFuncR",
        "feGaussianBlur",
        "feMerge",
        "feMergeNode",
        "feMorphology",
        "feOffset",
        "fePointLight",
        "feSpecularLighting",
        "feSpotLight",
        "feTile",
        "feTurbulence",
    }
)
_ELEMENT_REFUSED_BECAUSE = {
    "script": "it runs code",
    "handler": "it runs code",
    "listener": "it attaches event handlers",
    "a": "it makes the logo a link",
    "image": "it loads a picture from a URL",
    "feImage": "it loads a picture from a URL",
    "foreignObject": "it embeds another document",
    "iframe": "it embeds another document",
    "object": "it embeds another document",
    "embed": "it embeds another document",
    "set": "animation can rewrite attributes such as href after the file was checked",
    "animate": "animation can rewrite attributes such as href after the file was checked",
    "animateMotion": "animation can rewrite attributes such as href after the file was checked",
    "animateTransform": "animation can rewrite attributes such as href after the file was checked",
    "animateColor": "animation can rewrite attributes such as href after the file was checked",
    "discard": "it is part of animation",
}

# Attributes with no styling or linking role: geometry, structure, gradient, filter and text layout.
ALLOWED_ATTRIBUTES = frozenset(
    {
        "id",
        "class",
        "lang",
        "role",
        "aria-label",
        "aria-labelledby",
        "aria-describedby",
        "aria-hidden",
        "focusable",
        "version",
        "baseProfile",
        "viewBox",
        "preserveAspectRatio",
        "type",
        "media",
        "title",
        "x",
        "y",
        "x1",
        "y1",
        "x2",
        "y2",
        "cx",
        "cy",
        "r",
        "rx",
        "ry",
        "fx",
        "fy",
        "fr",
        "width",
        "height",
        "d",
        "points",
        "pathLength",
        "transform",
        "dx",
        "dy",
        "rotate",
        "textLength",
        "lengthAdjust",
        "startOffset",
        "method",
        "spacing",
        "side",
        "gradientUnits",
        "gradientTransform",
        "spreadMethod",
        "offset",
        "patternUnits",
        "patternContentUnits",
        "patternTransform",
        "clipPathUnits",
        "maskUnits",
        "maskContentUnits",
        "markerUnits",
        "markerWidth",
        "markerHeight",
        "refX",
        "refY",
        "orient",
        "filterUnits",
        "primitiveUnits",
        "in",
        "in2",
        "result",
        "stdDeviation",
        "edgeMode",
        "mode",
        "operator",
        "k1",
        "k2",
        "k3",
        "k4",
        "values",
        "tableValues",
        "slope",
        "intercept",
        "amplitude",
        "exponent",
        "order",
        "kernelMatrix",
        "divisor",
        "bias",
        "targetX",
        "targetY",
        "preserveAlpha",
        "surfaceScale",
        "diffuseConstant",
        "specularConstant",
        "specularExponent",
        "kernelUnitLength",
        "scale",
        "xChannelSelector",
        "yChannelSelector",
        "radius",
        "baseFrequency",
        "numOctaves",
        "seed",
        "stitchTiles",
        "azimuth",
        "elevation",
        "z",
        "pointsAtX",
        "pointsAtY",
        "pointsAtZ",
        "limitingConeAngle",
    }
)
# Browsers parse these with their CSS parser (escapes and url() included), so they are checked as CSS.
PRESENTATION_ATTRIBUTES = frozenset(
    {
        "alignment-baseline",
        "baseline-shift",
        "clip",
        "clip-path",
        "clip-rule",
        "color",
        "color-interpolation",
        "color-interpolation-filters",
        "color-rendering",
        "direction",
        "display",
        "dominant-baseline",
        "enable-background",
        "fill",
        "fill-opacity",
        "fill-rule",
        "filter",
        "flood-color",
        "flood-opacity",
        "font-family",
        "font-size",
        "font-size-adjust",
        "font-stretch",
        "font-style",
        "font-variant",
        "font-weight",
        "glyph-orientation-horizontal",
        "glyph-orientation-vertical",
        "image-rendering",
        "isolation",
        "kerning",
        "letter-spacing",
        "lighting-color",
        "marker-end",
        "marker-mid",
        "marker-start",
        "mask",
        "mask-type",
        "mix-blend-mode",
        "opacity",
        "overflow",
        "paint-order",
        "pointer-events",
        "shape-rendering",
        "stop-color",
        "stop-opacity",
        "stroke",
        "stroke-dasharray",
        "stroke-dashoffset",
        "stroke-linecap",
        "stroke-linejoin",
        "stroke-miterlimit",
        "stroke-opacity",
        "stroke-width",
        "text-anchor",
        "text-decoration",
        "text-rendering",
        "transform-origin",
        "unicode-bidi",
        "vector-effect",
        "visibility",
        "white-space",
        "word-spacing",
        "writing-mode",
    }
)
_NAMESPACED_ATTRIBUTES = {
    (XML_NAMESPACE, "space"): "xml:space",
    (XML_NAMESPACE, "lang"): "xml:lang",
    (XLINK_NAMESPACE, "href"): "xlink:href",
}
_REFERENCE_ATTRIBUTES = {"href", "xlink:href"}

# CSS functions that compute a value from their arguments and fetch nothing. Not here: url() (checked
# on its own), image-set(), image(), cross-fade() and src(), which take a bare string as a URL, and
# expression(), attr(), env().
ALLOWED_CSS_FUNCTIONS = frozenset(
    {
        "rgb",
        "rgba",
        "hsl",
        "hsla",
        "hwb",
        "lab",
        "lch",
        "oklab",
        "oklch",
        "color",
        "color-mix",
        "light-dark",
        "calc",
        "min",
        "max",
        "clamp",
        "var",
        "matrix",
        "matrix3d",
        "translate",
        "translatex",
        "translatey",
        "translatez",
        "translate3d",
        "scale",
        "scalex",
        "scaley",
        "scalez",
        "scale3d",
        "rotate",
        "rotatex",
        "rotatey",
        "rotatez",
        "rotate3d",
        "skew",
        "skewx",
        "skewy",
        "perspective",
        "linear-gradient",
        "radial-gradient",
        "conic-gradient",
        "repeating-linear-gradient",
        "repeating-radial-gradient",
        "repeating-conic-gradient",
        "blur",
        "brightness",
        "contrast",
        "drop-shadow",
        "grayscale",
        "hue-rotate",
        "invert",
        "opacity",
        "saturate",
        "sepia",
        "cubic-bezier",
        "steps",
        "not",
        "is",
        "where",
        "has",
        "nth-child",
        "nth-last-child",
        "nth-of-type",
        "nth-last-of-type",
        "lang",
        "dir",
    }
)
# @import, @font-face and @namespace fetch or redefine what the rest means; a dark-mode logo needs only @media.
ALLOWED_CSS_AT_RULES = frozenset({"media"})

_FRAGMENT = re.compile(r"#\S+")
_XML_DECLARED_ENCODING = re.compile(r"""\A(?:\ufeff)?<\?xml\s[^>]*?\bencoding\s*=\s*["']([^"']*)["']""")
_PLAIN_SVG_HINT = (
    "run the logo through svgo, which removes editors' markup, or remove it by hand; "
    "docs/branding.md lists what a logo may contain"
)


class LogoRefused(Exception):
    """What in the file was refused (a phrase that follows the file's name) and how to fix it."""

    def __init__(self, what: str, hint: str):
        super().__init__(what)
        self.what = what
        self.hint = hint


def _shown(value: str, limit: int = 60) -> str:
    return repr(value if len(value) <= limit else value[:limit] + "...")


def _printable(text: str) -> str:
    """`text` with control characters escaped: a CSS escape such as `\\1b ` must not reach the terminal."""
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode("ascii") for char in text)


def _name_of(tag: str) -> tuple[str, str]:
    """(namespace, local name) of an ElementTree tag or attribute name."""
    if tag.startswith("{"):
        namespace, local = tag[1:].split("}", 1)
        return namespace, local
    return "", tag


def _check_encoding(data: bytes) -> None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LogoRefused(
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            "save the logo as UTF-8; a logo may use no other encoding",
        ) from None
    declared = _XML_DECLARED_ENCODING.match(text)
    if declared and declared.group(1).lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise LogoRefused(
            f'declares encoding="{_printable(declared.group(1))}" in its XML declaration; a logo must be UTF-8',
            'save the logo as UTF-8 and declare encoding="UTF-8" (or no encoding)',
        )


def _check_css(source: str, where: str) -> None:
    """Refuse CSS (a style sheet, a declaration list or one value) with anything but inert parts.

    tinycss2 tokenises as browsers do, escapes included (`\\75 rl(` is url(), `u\\rl(` too), and every
    token is checked wherever it stands, so no rule, selector or nesting can hide a url().
    """
    import tinycss2

    _check_css_tokens(tinycss2.parse_component_value_list(source, skip_comments=True), where)


def _check_css_tokens(tokens, where: str) -> None:
    # a stack, not recursion: a 1 MiB file can nest blocks deeper than Python can recurse
    pending = list(reversed(tokens))
    while pending:
        token = pending.pop()
        if token.type == "error":
            raise LogoRefused(f"has CSS in {where} that cannot be parsed ({token.message})", "fix or remove that CSS")
        if token.type == "url":
            _check_css_url(token.value, where)
        elif token.type == "function":
            if token.lower_name == "url":
                arguments = [arg for arg in token.arguments if arg.type not in ("whitespace", "comment")]
                target = arguments[0].value if len(arguments) == 1 and arguments[0].type == "string" else None
                if target is None:
                    raise LogoRefused(
                        f"has a url() in {where} that is not one quoted reference",
                        "write url(#id) with the id of an element of this file",
                    )
                _check_css_url(target, where)
            elif token.lower_name not in ALLOWED_CSS_FUNCTIONS:
                function = _printable(token.name)
                raise LogoRefused(
                    f"uses the CSS function {function}() in {where}, which a logo may not use",
                    f"remove {function}(); colours, calc(), transforms and gradients are fine",
                )
            else:
                pending.extend(reversed(token.arguments))
        elif token.type == "at-keyword" and token.lower_value not in ALLOWED_CSS_AT_RULES:
            rule = _printable(token.value)
            raise LogoRefused(
                f"has the CSS rule @{rule} in {where}, which a logo may not use",
                f"remove the @{rule} rule; only @media is allowed",
            )
        elif token.type in ("() block", "[] block", "{} block"):
            pending.extend(reversed(token.content))


def _check_css_url(url: str, where: str) -> None:
    if not _FRAGMENT.fullmatch(url):
        raise LogoRefused(
            f"loads {_shown(url)} through url() in {where}; CSS in a logo may refer only to elements of the same file",
            "use url(#id) with the id of an element of this file, or remove it",
        )


def _check_attribute(element_name: str, tag: str, value: str) -> None:
    namespace, local = _name_of(tag)
    name = _NAMESPACED_ATTRIBUTES.get((namespace, local)) if namespace else local
    if name is None:
        raise LogoRefused(
            f"has an attribute {local}= from the namespace {_printable(namespace)} on <{element_name}>; "
            "a logo may use only SVG attributes without a prefix, xlink:href, xml:space and xml:lang",
            f"remove it; {_PLAIN_SVG_HINT}",
        )
    if name in _REFERENCE_ATTRIBUTES:
        if not _FRAGMENT.fullmatch(value):
            raise LogoRefused(
                f"references {_shown(value)} from {name}= on <{element_name}>; a logo may refer "
                "only to elements of the same file (#id)",
                "embed what it refers to in the file and refer to it as #id, or remove it",
            )
    elif name == "style":
        _check_css(value, f"the style attribute of <{element_name}>")
    elif name in PRESENTATION_ATTRIBUTES:
        _check_css(value, f"{name}= on <{element_name}>")
    elif name.lower().startswith("on"):
        raise LogoRefused(
            f"has an event attribute {name}= on <{element_name}>; event handlers run code",
            "remove event handler attributes (on*)",
        )
    elif name not in ALLOWED_ATTRIBUTES and name not in _NAMESPACED_ATTRIBUTES.values():
        raise LogoRefused(
            f"has an attribute {name}= on <{element_name}>, which is not among the SVG attributes a logo may use",
            f"remove it; {_PLAIN_SVG_HINT}",
        )


def check_svg(data: bytes) -> None:
    """Raise LogoRefused naming the first thing in `data` that is not on the logo's allow-lists."""
    from xml.etree.ElementTree import ParseError, TreeBuilder

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import DefusedXMLParser

    _check_encoding(data)

    class Builder(TreeBuilder):
        # ElementTree drops processing instructions, but <?xml-stylesheet?> loads a style sheet
        def __init__(self) -> None:
            super().__init__()
            self.processing_instructions: list[str] = []

        def pi(self, target, data=None):
            self.processing_instructions.append(target)
            return super().pi(target, data)

    builder = Builder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    try:
        parser.feed(data)
        root = parser.close()
    except (DefusedXmlException, ValueError) as exc:
        raise LogoRefused(
            f"declares a DTD or entities ({type(exc).__name__}); they are not allowed in a logo",
            "remove the <!DOCTYPE ...> and any <!ENTITY ...> declarations",
        ) from None
    except ParseError as exc:
        raise LogoRefused(f"is not well-formed XML: {exc}", "export the logo again as plain SVG") from None
    if builder.processing_instructions:
        target = builder.processing_instructions[0]
        raise LogoRefused(
            f"has a processing instruction <?{target} ...?>; a logo may not have one "
            "(<?xml-stylesheet?> loads a style sheet from elsewhere)",
            f"remove <?{target} ...?> (the <?xml version=...?> declaration is fine)",
        )
    root_namespace, root_name = _name_of(root.tag)
    if root_name != "svg" or root_namespace not in ("", SVG_NAMESPACE):
        raise LogoRefused(
            f"is not an SVG image: its root element is <{root_name}>",
            "the logo must be an .svg file whose root element is <svg>",
        )
    for element in root.iter():
        namespace, name = _name_of(element.tag)
        if namespace != root_namespace:
            raise LogoRefused(
                f"contains a <{name}> element from the namespace {_printable(namespace) or '(none)'}; "
                "a logo may contain only SVG elements",
                f"remove it; {_PLAIN_SVG_HINT}",
            )
        if name not in ALLOWED_ELEMENTS:
            because = _ELEMENT_REFUSED_BECAUSE.get(name, "it is not among the static SVG elements a logo may use")
            raise LogoRefused(
                f"contains a <{name}> element; {because}",
                f"remove the <{name}> element; docs/branding.md lists the elements a logo may use",
            )
        for attribute, value in element.attrib.items():
            _check_attribute(name, attribute, value)
        if name == "style":
            if len(element):
                raise LogoRefused(
                    f"has a <{_name_of(element[0].tag)[1]}> element inside <style>; a style sheet holds only CSS text",
                    "move the element out of <style>, or remove it",
                )
            _check_css(element.text or "", "a <style> element")


def validate_logo(path: str | Path) -> bytes:
    """Return the file's bytes if it is a safe SVG logo; raise UsageError naming the problem otherwise."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{path} does not exist or is not a file", hint="give the path of an .svg file")
    size = path.stat().st_size
    if size > MAX_LOGO_BYTES:
        raise UsageError(
            f"{path} is {size:,} bytes; a logo may be at most {MAX_LOGO_BYTES:,} bytes (1 MiB)",
            hint="simplify or optimise the SVG (e.g. with svgo) and try again",
        )
    data = path.read_bytes()
    try:
        check_svg(data)
    except LogoRefused as refused:
        raise UsageError(f"{path} {refused.what}", hint=refused.hint) from None
    return data
