"""One pager: how many pages, which page is asked for, and which page numbers to link."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pager:
    """Page ``page`` of ``pages`` for ``total`` rows shown ``per_page`` at a time (``page`` clamped)."""

    page: int
    pages: int
    total: int
    per_page: int

    @classmethod
    def of(cls, total: int, per_page: int, asked: int | None) -> Pager:
        pages = max(1, (total + per_page - 1) // per_page)
        return cls(page=min(max(1, asked or 1), pages), pages=pages, total=total, per_page=per_page)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def links(self) -> list[int | None]:
        return page_links(self.page, self.pages)


def page_links(page: int, pages: int) -> list[int | None]:
    """Page numbers to show: the first, the last and two around the current one (None = a gap)."""
    wanted = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    links: list[int | None] = []
    for number in wanted:
        if links and links[-1] is not None and number - links[-1] > 1:
            links.append(None)
        links.append(number)
    return links
