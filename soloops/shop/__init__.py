"""Shop: the shop's own profile — name, contact email, currency, time zone, default language.

Owns ``ShopProfile`` (one row, written the first time the owner saves the profile; until then
every value comes from the environment: ``SOLOOPS_SHOP_NAME``, ``SOLOOPS_CURRENCY``,
``SOLOOPS_TIME_ZONE``, ``SOLOOPS_LANGUAGE``). Readers ask ``selectors.shop_profile()``, which
answers from the cache. Emits ``shop.updated`` (and sends the owner's test email).
"""
