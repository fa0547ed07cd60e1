"""Page-number pagination for list endpoints: ``?page=2&page_size=50`` → items, count, pages."""

from django.core.paginator import EmptyPage, Paginator
from ninja import Field, Schema

from soloops.errors import InvalidInput

PAGE_SIZE_MAX = 200


class PageParams(Schema):
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=PAGE_SIZE_MAX)


def paginate(queryset, params: PageParams) -> dict:
    paginator = Paginator(queryset, params.page_size)
    try:
        page = paginator.page(params.page)
    except EmptyPage:
        if params.page == 1:
            return {"items": [], "count": 0, "page": 1, "pages": 1}
        raise InvalidInput(
            "invalid_page", f"page {params.page} is past the last page", field="page"
        ) from None
    return {
        "items": list(page.object_list),
        "count": paginator.count,
        "page": params.page,
        "pages": paginator.num_pages,
    }
