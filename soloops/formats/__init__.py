"""The one way dates read in each language (``FORMAT_MODULE_PATH``): every page, email and PDF
goes through these, by way of ``soloops.formatting`` or Django's named formats."""
