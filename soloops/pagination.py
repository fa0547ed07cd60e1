"""The API's one paging convention for lists that grow.

``?page=2&limit=50``: ``limit`` is honoured up to ``PAGE_SIZE_MAX`` (a larger one is served as
the maximum, and the answer says so in ``limit``); the answer carries ``items``, ``count``,
``page``, ``pages``, ``limit`` and ``has_more``. A page past the end is an empty page with
``has_more: false``, not an error. ``page_size`` is the older name of ``limit`` and still works.
(The event log pages by cursor instead — ``before_id`` — with the same ``limit`` and
``has_more``: new events arrive at its head all the time.)
"""

from django.core.paginator import Paginator
from ninja import Field, Schema

PAGE_SIZE_MAX = 200
PAGE_SIZE_DEFAULT = 50


class PageParams(Schema):
    page: int = Field(1, ge=1, description="1 is the first page")
    limit: int | None = Field(
        None,
        ge=1,
        description=f"items per page (default {PAGE_SIZE_DEFAULT}, at most "
        f"{PAGE_SIZE_MAX}; a larger value gives {PAGE_SIZE_MAX})",
    )
    page_size: int | None = Field(None, ge=1, description="the older name of limit")

    def page_limit(self) -> int:
        return min(self.limit or self.page_size or PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX)


class PageOut(Schema):
    """What every paged list answers besides its items."""

    count: int = Field(description="items in the whole list")
    page: int
    pages: int = Field(description="pages in the whole list (at least 1)")
    limit: int = Field(PAGE_SIZE_DEFAULT, description="items per page, as served")
    has_more: bool = Field(False, description="true: ask for page + 1 to get more")


def paginate(queryset, params: PageParams) -> dict:
    limit = params.page_limit()
    paginator = Paginator(queryset, limit)
    pages = paginator.num_pages  # 1 for an empty list
    past_the_end = params.page > pages
    items = [] if past_the_end else list(paginator.page(params.page).object_list)
    return {
        "items": items,
        "count": paginator.count,
        "page": params.page,
        "pages": pages,
        "limit": limit,
        "has_more": params.page < pages,
    }
