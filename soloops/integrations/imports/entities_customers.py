"""Customers: one row per customer, keyed on email, through the customers' services (new
customers of a chunk in one go). Tags in the file are added; consent "yes" records an opt-in
from the import, "no" a withdrawal, an empty cell keeps what the shop has."""

from django.utils.translation import gettext_lazy

from soloops.customers import selectors as customer_selectors
from soloops.customers import services as customer_services
from soloops.integrations.imports.entities import Entity, Field

ADDRESS_PARTS = ("line1", "city", "postal_code", "country", "phone")


# --- customers -----------------------------------------------------------------------------------


class Customers(Entity):
    def export_queryset(self):
        return customer_selectors.customers_all()

    def export_row(self, customer) -> dict:
        row = self.current(customer)
        row["tags"] = ", ".join(row["tags"])
        return row

    def existing(self, keys):
        return customer_selectors.customers_by_email(keys)

    def current(self, customer) -> dict:
        address = customer.shipping_address or {}
        return {
            "email": customer.email,
            "name": customer.name,
            "language": customer.language,
            "tags": sorted(customer.tags),
            "marketing_consent": customer.marketing_consent,
            **{part: address.get(part, "") for part in ADDRESS_PARTS},
        }

    def changes(self, values: dict, obj) -> dict:
        if obj is None:
            return values
        now = self.current(obj)
        found = {k: v for k, v in values.items() if k not in {"email", "tags"} and now[k] != v}
        # Tags in the file are added; tags the shop (or a flow) gave stay.
        new_tags = sorted(set(values.get("tags") or []) - set(now["tags"]))
        if new_tags:
            found["tags"] = new_tags
        return found

    def write(self, values, changes, customer, actor):
        fields = {k: changes[k] for k in ("name", "language") if k in changes}
        if customer is None or any(part in changes for part in ADDRESS_PARTS):
            address = dict(customer.shipping_address) if customer else {}
            address.update({p: changes[p] for p in ADDRESS_PARTS if p in changes})
            if address:
                fields["shipping_address"] = address
        customer, _changed = customer_services.customer_upsert(
            email=values["email"], actor=actor, **fields
        )
        for tag in changes.get("tags") or []:
            customer_services.customer_tag(customer=customer, tag=tag, actor=actor)
        if "marketing_consent" in changes:
            customer_services.customer_consent_set(
                customer=customer,
                consent=changes["marketing_consent"],
                source="import",
                actor=actor,
            )

    def write_many(self, rows, actor):
        """New customers of the chunk in one go (``customers_import_many``); known ones one by
        one."""
        new = []
        for values, changes, customer in rows:
            if customer is not None:
                self.write(values, changes, customer, actor)
                continue
            new.append(
                customer_services.NewCustomer(
                    email=values["email"], name=values.get("name") or "",
                    language=values.get("language") or "en",
                    shipping_address={p: values[p] for p in ADDRESS_PARTS if p in values},
                    tags=values.get("tags") or [],
                    marketing_consent=bool(values.get("marketing_consent")),
                )
            )  # fmt: skip
        if new:
            customer_services.customers_import_many(people=new, actor=actor)


CUSTOMERS = Customers(
    name="customers",
    label=gettext_lazy("Customers"),
    key="email",
    batch=True,
    fields=[
        Field(
            "email",
            gettext_lazy("Email"),
            "email",
            required=True,
            synonyms=("e-mail", "email address", "mail", "邮箱", "电子邮件", "电子邮箱", "邮件"),
        ),
        Field(
            "name",
            gettext_lazy("Name"),
            synonyms=("full name", "customer", "customer name", "姓名", "名字", "客户", "客户名称"),
        ),
        Field("language", gettext_lazy("Language"), synonyms=("lang", "locale", "语言")),
        Field(
            "country",
            gettext_lazy("Country"),
            "country",
            synonyms=("country code", "nation", "国家", "国家/地区", "地区"),
        ),
        Field(
            "phone",
            gettext_lazy("Phone"),
            "phone",
            synonyms=(
                "telephone",
                "tel",
                "mobile",
                "phone number",
                "电话",
                "手机",
                "手机号",
                "联系电话",
            ),
        ),
        Field(
            "line1",
            gettext_lazy("Address"),
            synonyms=("address", "street", "address line 1", "地址", "街道", "详细地址"),
        ),
        Field("city", gettext_lazy("City"), synonyms=("town", "城市", "市")),
        Field(
            "postal_code",
            gettext_lazy("Postal code"),
            synonyms=("zip", "zip code", "postcode", "邮编", "邮政编码"),
        ),
        Field("tags", gettext_lazy("Tags"), "tags", synonyms=("tag", "labels", "标签")),
        Field(
            "marketing_consent",
            gettext_lazy("Marketing consent"),
            "boolean",
            synonyms=(
                "consent",
                "accepts marketing",
                "accepts email marketing",
                "newsletter",
                "opt in",
                "营销同意",
                "同意营销",
                "订阅",
                "订阅邮件",
            ),
        ),
    ],
)
