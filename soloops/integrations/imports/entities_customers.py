"""Customers: one row per customer, known by email, by another platform's customer id, or
both (matched by email first, then by the id; see soloops.customers.identity), through the
customers' services (new customers of a chunk in one go). Tags in the file are added;
consent "yes" records an opt-in from the import, "no" a withdrawal, an empty cell keeps what
the shop has."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from soloops.customers import selectors as customer_selectors
from soloops.customers import services as customer_services
from soloops.integrations.imports.entities import Entity, Field

ADDRESS_PARTS = ("line1", "city", "postal_code", "country", "phone")
EXTERNAL_ID_MAX = 100


# --- customers -----------------------------------------------------------------------------------


class Customers(Entity):
    """Keyed on (email, external id): a row is matched by its email first, then by its
    external id (``customer_services.customer_match``); either may be empty, not both."""

    @property
    def key_fields(self):
        return ()  # neither alone is required; ``check`` asks for one of the two

    def key_of(self, values):
        return (values.get("email") or "", values.get("external_id") or "")

    def identities(self, values):
        return [(name, values[name]) for name in ("email", "external_id") if values.get(name)]

    def export_queryset(self):
        return customer_selectors.customers_all()

    def export_row(self, customer) -> dict:
        row = self.current(customer)
        row["tags"] = ", ".join(row["tags"])
        row["external_id"] = row["external_id"] or ""
        return row

    def existing(self, keys):
        people = [customer_services.Person(email, external_id) for email, external_id in keys]
        by_email, by_id = customer_services.customers_matching(people)
        found = {}
        for key, person in zip(keys, people, strict=True):
            customer = customer_services.customer_match(person, by_email, by_id)
            if customer is not None:
                found[key] = customer
        return found

    def current(self, customer) -> dict:
        address = customer.shipping_address or {}
        placeholder = customer_services.is_placeholder(customer.email)
        return {
            "email": "" if placeholder else customer.email,
            "external_id": customer.external_id,
            "name": customer.name,
            "language": customer.language,
            "tags": sorted(customer.tags),
            "marketing_consent": customer.marketing_consent,
            **{part: address.get(part, "") for part in ADDRESS_PARTS},
        }

    def check(self, values, customer):
        if not values.get("email") and not values.get("external_id"):
            return [("email", _("must not be empty (or give a customer id)"))]
        if len(values.get("external_id") or "") > EXTERNAL_ID_MAX:
            return [("external_id", _("a customer id has at most 100 characters"))]
        person = customer_services.Person(values.get("email") or "", values.get("external_id"))
        conflict = customer_services.identity_conflict(person, customer)
        if conflict is None:
            return []
        field, _message = conflict
        if field == "email":
            return [("email", _("customer id %(id)s belongs to %(email)s")
                     % {"id": values["external_id"], "email": customer.email})]  # fmt: skip
        return [("external_id", _("%(email)s already has the customer id %(id)s")
                 % {"email": customer.email, "id": customer.external_id})]  # fmt: skip

    def changes(self, values: dict, obj) -> dict:
        if obj is None:
            return values
        now = self.current(obj)
        found = {k: v for k, v in values.items() if k != "tags" and now[k] != v}
        # Tags in the file are added; tags the shop (or a flow) gave stay.
        new_tags = sorted(set(values.get("tags") or []) - set(now["tags"]))
        if new_tags:
            found["tags"] = new_tags
        return found

    def write(self, values, changes, customer, actor):
        person = customer_services.Person(
            values.get("email") or "", values.get("external_id") or "", values.get("name") or ""
        )
        if customer is not None and ("email" in changes or "external_id" in changes):
            (customer,) = customer_services.customers_resolve(people=[person], actor=actor)
        if customer is None:
            (customer,) = customer_services.customers_resolve(people=[person], actor=actor)
        fields = {k: changes[k] for k in ("name", "language") if k in changes}
        if any(part in changes for part in ADDRESS_PARTS):
            address = dict(customer.shipping_address)
            address.update({p: changes[p] for p in ADDRESS_PARTS if p in changes})
            fields["shipping_address"] = address
        customer, _changed = customer_services.customer_upsert(
            email=customer.email, actor=actor, **fields
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
                    email=values.get("email") or "",
                    external_id=values.get("external_id") or "",
                    name=values.get("name") or "",
                    language=values.get("language") or "en",
                    shipping_address={p: values[p] for p in ADDRESS_PARTS if p in values},
                    tags=values.get("tags") or [],
                    marketing_consent=bool(values.get("marketing_consent")),
                )
            )  # fmt: skip
        if new:
            customer_services.customers_import_many(people=new, actor=actor)


# Another platform's id for the customer: in customer files and order-history files alike.
EXTERNAL_ID = Field(
    "external_id",
    gettext_lazy("Customer id"),
    synonyms=(
        "customer id", "external id", "external customer id", "customer number", "customer no",
        "customer code", "client id", "buyer id", "user id", "member id",
        "客户编号", "客户id", "客户号", "客户代码", "会员编号", "会员id", "买家id", "用户id",
    ),
)  # fmt: skip


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
            synonyms=("e-mail", "email address", "mail", "邮箱", "电子邮件", "电子邮箱", "邮件"),
        ),
        Field(
            "name",
            gettext_lazy("Name"),
            synonyms=("full name", "customer", "customer name", "姓名", "名字", "客户", "客户名称"),
        ),
        EXTERNAL_ID,
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
