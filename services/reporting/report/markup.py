"""A tiny HTML builder in which text is escaped unless it was built as markup.

Every string that is not `Markup` is escaped when it is put into an element or an attribute, so
participant text cannot become markup by mistake: injection would need a deliberate `Markup(...)`.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

Child = "Markup | str | int | float | None | Iterable[Child]"


class Markup(str):
    """Trusted markup produced by this module."""


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _children(items: Iterable[object]) -> str:
    out: list[str] = []
    for item in items:
        if item is None:
            continue
        if isinstance(item, Markup):
            out.append(item)
        elif isinstance(item, str | int | float):
            out.append(esc(item))
        else:
            out.append(_children(item))  # type: ignore[arg-type]
    return "".join(out)


def el(tag: str, *children: object, **attrs: object) -> Markup:
    """`el("td", text, class_="num")` -> `<td class="num">text</td>`; `_` in names becomes `-`."""
    parts = [tag]
    for name, value in sorted(attrs.items()):
        if value is None:
            continue
        parts.append(f'{name.rstrip("_").replace("_", "-")}="{esc(value)}"')
    opening = "<" + " ".join(parts) + ">"
    return Markup(f"{opening}{_children(children)}</{tag}>")


def void(tag: str, *, self_closing: bool = False, **attrs: object) -> Markup:
    """An element without content: `<meta ...>`, or `<rect .../>` inside SVG, where an element
    that is not closed would swallow its siblings."""
    parts = [tag] + [f'{n.rstrip("_").replace("_", "-")}="{esc(v)}"'
                     for n, v in sorted(attrs.items()) if v is not None]
    return Markup("<" + " ".join(parts) + ("/>" if self_closing else ">"))


def join(*items: object) -> Markup:
    return Markup(_children(items))
