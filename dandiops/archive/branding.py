"""The archive's logo: where it lives in the web app and what an acceptable replacement is.

The web app imports `web/src/assets/logo.svg` in AppBar.vue and HomeView.vue and inlines it into
the page, so a logo is untrusted markup: it must be plain SVG with no script, no event handlers
and nothing fetched from elsewhere.
"""

from __future__ import annotations

import re
from pathlib import Path

from dandiops.core.errors import UsageError

LOGO_PATH = "web/src/assets/logo.svg"
MAX_LOGO_BYTES = 1024 * 1024
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
_FORBIDDEN_ELEMENTS = {"script", "foreignobject", "iframe", "object", "embed", "handler", "listener"}
_SAFE_DATA_URI = re.compile(r"^data:image/(png|jpeg|gif|webp);base64,", re.I)
_CSS_URL = re.compile(r"url\(\s*['\"]?(?!#)([^)'\"]*)", re.I)


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].lower()


def validate_logo(path: str | Path) -> bytes:
    """Return the file's bytes if it is a safe SVG logo; raise UsageError naming the problem otherwise."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring
    from xml.etree.ElementTree import ParseError

    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{path} does not exist or is not a file", hint="give the path of an .svg file")
    size = path.stat().st_size
    if size > MAX_LOGO_BYTES:
        raise UsageError(f"{path} is {size:,} bytes; a logo may be at most {MAX_LOGO_BYTES:,} bytes (1 MiB)",
                         hint="simplify or optimise the SVG (e.g. with svgo) and try again")
    data = path.read_bytes()
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ValueError) as exc:
        raise UsageError(f"{path} declares a DTD or entities ({type(exc).__name__}); they are not allowed in a logo",
                         hint="remove the <!DOCTYPE ...> and any <!ENTITY ...> declarations") from None
    except ParseError as exc:
        raise UsageError(f"{path} is not well-formed XML: {exc}", hint="export the logo again as plain SVG") from None
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    if _local(root.tag) != "svg" or namespace not in ("", SVG_NAMESPACE):
        raise UsageError(f"{path} is not an SVG image: its root element is <{_local(root.tag)}>",
                         hint="the logo must be an .svg file whose root element is <svg>")
    for element in root.iter():
        name = _local(element.tag)
        if name in _FORBIDDEN_ELEMENTS:
            raise UsageError(f"{path} contains a <{name}> element; scripts and embedded documents are not allowed",
                             hint=f"remove the <{name}> element")
        for attribute, value in element.attrib.items():
            attr = _local(attribute)
            if attr.startswith("on"):
                raise UsageError(f"{path} has an event attribute {attr}= on <{name}>",
                                 hint="remove event handler attributes (on*)")
            if attr == "href" and not (value.startswith("#") or _SAFE_DATA_URI.match(value)):
                raise UsageError(f"{path} references {value!r} from <{name}>; external references are not allowed",
                                 hint="embed the resource or reference elements inside the file (#id)")
            if attr == "style" and (_CSS_URL.search(value) or "@import" in value.lower()):
                raise UsageError(f"{path} loads {value!r} through a style on <{name}>",
                                 hint="remove url(...) references to other files")
        if name == "style" and element.text and (_CSS_URL.search(element.text) or "@import" in element.text.lower()):
            raise UsageError(f"{path} loads an external resource from a <style> element",
                             hint="remove @import and url(...) references to other files")
    return data
