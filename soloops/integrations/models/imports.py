"""imports tables of the integrations app: a file being imported (its job) and the column
mappings the owner saved for next time."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportEntity(models.TextChoices):
    PRODUCTS = "products", _("Products and variants")
    CUSTOMERS = "customers", _("Customers")
    STOCK = "stock", _("Stock counts")
    SUPPLIERS = "suppliers", _("Suppliers")
    SUPPLIER_ITEMS = "supplier_items", _("Supplier items (costs)")
    ORDERS = "orders", _("Past orders (history)")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")  # the file is stored; its columns are mapped
    PREVIEWING = "previewing", _("Checking")  # a dry run is reading the file
    PREVIEWED = "previewed", _("Checked")  # the dry run's counts and errors are ready
    IMPORTING = "importing", _("Importing")  # the real run is reading or writing
    IMPORTED = "imported", _("Imported")  # written (good rows at least)
    FAILED = "failed", _("Failed")  # nothing written: bad rows (all-or-nothing) or a bad file


class ImportMapping(models.Model):
    """A named column mapping ("Supplier X price list"): source header → field, and the file's
    options (encoding, date format, decimal separator), for the next file of the same shape."""

    name = models.CharField(_("name"), max_length=100)
    entity = models.CharField(_("kind"), max_length=20, choices=ImportEntity.choices)
    columns = models.JSONField(_("columns"), default=dict)  # {"货号": "sku", "Price": "price"}
    options = models.JSONField(_("options"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["entity", "name"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "name"], name="import_mapping_name_once")
        ]

    def __str__(self) -> str:
        return self.name


class ImportJob(models.Model):
    """One uploaded file and what was done with it: its mapping, the last dry run's or the
    import's report, and its progress while a task reads it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entity = models.CharField(_("kind"), max_length=20, choices=ImportEntity.choices)
    filename = models.CharField(_("file name"), max_length=255)
    # Where the uploaded bytes are kept, relative to VAR_DIR.
    stored_path = models.CharField(max_length=500)
    file_format = models.CharField(_("format"), max_length=10)
    header = models.JSONField(_("columns in the file"), default=list)
    columns = models.JSONField(_("mapping"), default=dict)
    options = models.JSONField(_("options"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    skip_bad_rows = models.BooleanField(_("skip bad rows"), default=False)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows read"), default=0)
    # {"create": n, "update": n, "unchanged": n, "rejected": n, "rules": {...},
    #  "errors": [{"line", "column", "message"}], "dry_run": bool}
    report = models.JSONField(_("report"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True, default="")
    # Who started it ({"kind", "id", "label", "user_id", "role"}): the task that runs it acts
    # as them, so every event it records is theirs.
    actor = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["-created_at"], name="import_job_recent")]

    def __str__(self) -> str:
        return self.filename

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.rows_done / self.rows_total)) if self.rows_total else 0

    @property
    def running(self) -> bool:
        return self.status in {ImportStatus.PREVIEWING, ImportStatus.IMPORTING}
