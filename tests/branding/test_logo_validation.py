"""What `branding logo` accepts: safe, well-formed SVG only."""

import pytest

from dandiops.archive.branding import validate_logo
from dandiops.core.errors import UsageError

GOOD = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><defs><linearGradient id="g"/></defs>' \
       b'<rect width="10" height="10" fill="url(#g)"/><use href="#g"/></svg>'


def write(tmp_path, data, name="logo.svg"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_accepts_a_plain_svg(tmp_path):
    assert validate_logo(write(tmp_path, GOOD)) == GOOD


@pytest.mark.parametrize("data, says", [
    (b"<svg xmlns='http://www.w3.org/2000/svg'><rect></svg>", "not well-formed XML"),
    (b"<html><body/></html>", "not an SVG image"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not well-formed XML"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "<script> element"),
    (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "event attribute onload="),
    (b"<svg xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink'>"
     b"<image xlink:href='https://evil.example/x.png'/></svg>", "external references are not allowed"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><style>@import url(https://evil.example/a.css);</style></svg>",
     "<style> element"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><rect style=\"fill:url(https://x.example/p)\"/></svg>",
     "through a style"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><foreignObject><div/></foreignObject></svg>", "<foreignobject>"),
    (b"<!DOCTYPE svg [<!ENTITY x 'y'>]><svg xmlns='http://www.w3.org/2000/svg'>&x;</svg>", "DTD or entities"),
])
def test_refuses_unsafe_or_broken_files(tmp_path, data, says):
    with pytest.raises(UsageError) as info:
        validate_logo(write(tmp_path, data))
    assert says in info.value.message
    assert info.value.hint


def test_refuses_a_huge_file_without_parsing_it(tmp_path):
    path = write(tmp_path, GOOD[:-6] + b"<!--" + b"x" * (1024 * 1024) + b"--></svg>")
    with pytest.raises(UsageError, match="at most 1,048,576 bytes"):
        validate_logo(path)


def test_missing_file(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        validate_logo(tmp_path / "nope.svg")
