"""Console list pages: ``?page=N`` over a queryset, 50 rows a page, without counting.

A ``COUNT(*)`` over 100,000 orders with filters costs more than the page itself, so a page
fetches one row more than it shows to know whether there is a next one. Lists are ordered
newest first, so the first pages — the ones people open — are the cheap ones.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

PER_PAGE = 50


@dataclass
class Page:
    items: list
    number: int
    has_next: bool
    query: dict = field(default_factory=dict)  # the other GET parameters, kept in the links

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def _link(self, number: int) -> str:
        return "?" + urlencode({**self.query, "page": number})

    @property
    def next_link(self) -> str:
        return self._link(self.number + 1)

    @property
    def previous_link(self) -> str:
        return self._link(self.number - 1)


def page_of(queryset, request, *, per_page: int = PER_PAGE) -> Page:
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    start = (number - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    query = {k: v for k, v in request.GET.items() if k != "page" and v != ""}
    return Page(items=rows[:per_page], number=number, has_next=len(rows) > per_page, query=query)
